-- tool: isql -3
SELECT 44
