-- tool: isql
SELECT 42
