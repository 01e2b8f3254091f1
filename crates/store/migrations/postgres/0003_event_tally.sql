-- The number of events, kept by the database itself so that "has anything
-- changed?" is cheap: counting two million events takes a fifth of a second,
-- too long to ask before every indicator page. One row per inserting statement
-- (a form's event, or a whole import's COPY), appended, never updated, so
-- concurrent writers never wait on it; its sum always equals COUNT(*) of events
-- (events are never deleted) and commits or rolls back with them.
--
-- Databases made before the domains had homes got all of this from the
-- indicators' 0003 migration: then it exists already and is left as it is.
DO $$
BEGIN
    IF to_regclass('event_tally') IS NULL THEN
        CREATE TABLE event_tally (
            id                  BIGSERIAL PRIMARY KEY,
            events              BIGINT NOT NULL
        );
        INSERT INTO event_tally (events) SELECT COUNT(*) FROM events;
    END IF;
END
$$;
CREATE OR REPLACE FUNCTION renkou_tally_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_tally (events) SELECT COUNT(*) FROM new_events;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS events_tally ON events;
CREATE TRIGGER events_tally AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_tally_events();

-- Numbers of persons entered in forms (W000000123). They used to be drawn from
-- the events' sequence, leaving a hole in the event numbers at every birth; the
-- sequence starts above every number drawn so far, so none is reused.
DO $$
BEGIN
    IF to_regclass('person_no_seq') IS NULL THEN
        CREATE SEQUENCE person_no_seq;
        PERFORM setval('person_no_seq', COALESCE((SELECT MAX(seq) FROM events), 0) + 1, false);
    END IF;
END
$$;
