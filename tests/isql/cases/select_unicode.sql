-- tool: iusql
SELECT 43
