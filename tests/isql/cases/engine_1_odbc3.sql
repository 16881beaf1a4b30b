-- tool: isql -3
CREATE TABLE people (id int PRIMARY KEY, name nvarchar(20) NULL, born date NULL, score decimal(5,2) NULL)
INSERT INTO people VALUES (1, N'Ada', '1815-12-10', 99.5), (2, NULL, NULL, NULL)
SELECT * FROM people ORDER BY id
SELECT * FROM missing_table
PRINT 'hello from the server'
UPDATE people SET score = 1 WHERE id > 0
