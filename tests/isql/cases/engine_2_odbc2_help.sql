-- tool: isql [engine]
SELECT name, score FROM people ORDER BY id
help people
