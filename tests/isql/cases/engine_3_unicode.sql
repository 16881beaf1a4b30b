-- tool: iusql
SELECT N'Grâce €' AS unicode_text
