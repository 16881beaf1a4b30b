-- tool: iusql [engine]
SELECT N'Grâce €' AS unicode_text
