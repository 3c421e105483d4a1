-- The contacts' integer keys for the per-person reductions (contact weeks, meeting months),
-- which are done after, in queries/events.py, on the valid rows (rule IS NULL): w, the day
-- number since 1970-01-01 of the Monday of the contact's ISO week; m = year·12 + month − 1;
-- rdv, a face-to-face meeting (type_contact rendez_vous). The activites arrive keyed from
-- activites.sql, and h(b, w) is summed there too.
CREATE OR REPLACE TEMP VIEW contacts_keyed AS
SELECT
    pid,
    (date_trunc('week', date_contact)::DATE - DATE '1970-01-01')::INTEGER AS w,
    (year(date_contact) * 12 + month(date_contact) - 1)::INTEGER AS m,
    type_contact = 'rendez_vous' AS rdv,
    rule
FROM contacts_classified;
