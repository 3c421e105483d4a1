-- The communes referential (communes.csv), typed once its text was checked (see
-- snapshots._load_communes_into: columns present, codes non-empty and unique, an EPCI under
-- one territoire, populations whole numbers). Read as text first so INSEE codes keep their
-- leading zeros. Placeholders: {path}.
CREATE OR REPLACE TEMP TABLE communes_text AS
SELECT * FROM read_csv({path}, header = true, delim = ',', quote = '"', all_varchar = true);
