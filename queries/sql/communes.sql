-- The communes referential (communes.csv), read with explicit types so INSEE codes keep
-- their leading zeros. Placeholders: {path}.
CREATE OR REPLACE TEMP TABLE communes AS
SELECT code_commune, nom_commune, code_epci, nom_epci, territoire, population
FROM read_csv(
    {path},
    header = true,
    delim = ',',
    quote = '"',
    columns = {
        'code_commune': 'VARCHAR', 'nom_commune': 'VARCHAR', 'code_epci': 'VARCHAR',
        'nom_epci': 'VARCHAR', 'territoire': 'VARCHAR', 'population': 'BIGINT'
    }
);
