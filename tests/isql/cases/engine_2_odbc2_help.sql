-- tool: isql
SELECT name, score FROM people ORDER BY id
help people
