-- tool: isql -k
SELECT 45
