-- deploy/sql/roles.sql - the PostgreSQL roles of a sesame fleet, least privilege
-- (docs/fleet.md, "Security"). Run it once as a superuser:
--     psql -v ON_ERROR_STOP=1 -d postgres -f deploy/sql/roles.sql
-- then give the roles their passwords with psql's \password (never in a file):
--     \password sesame_owner
--     \password sesame_worker
-- and make the schema, once and after each upgrade of sesame, as the owner (any sesame
-- command that opens the store migrates it):
--     sesame findings --db postgresql://sesame_owner@db.example.internal/sesame
--
--   sesame_owner   owns the schema and its tables: the migrations (DDL). Not for workers.
--   sesame_worker  what every worker (and --enqueue) logs in as: reads and writes rows of
--                  the store's tables, nothing else (no DDL: a worker cannot drop, alter
--                  or create a table, nor use another schema of this database).
--   sesame_reader  the security team's look at the results (sesame findings, sesame
--                  report, sesame queue status): SELECT only. Triage writes: use a role
--                  with the worker's grants for `sesame triage`.
CREATE ROLE sesame_owner LOGIN;
CREATE ROLE sesame_worker LOGIN;
CREATE ROLE sesame_reader LOGIN;
CREATE DATABASE sesame OWNER sesame_owner;
REVOKE ALL ON DATABASE sesame FROM PUBLIC;
GRANT CONNECT ON DATABASE sesame TO sesame_worker, sesame_reader;

\connect sesame
REVOKE ALL ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA sesame AUTHORIZATION sesame_owner;
GRANT USAGE ON SCHEMA sesame TO sesame_worker, sesame_reader;
ALTER ROLE sesame_owner IN DATABASE sesame SET search_path = sesame;
ALTER ROLE sesame_worker IN DATABASE sesame SET search_path = sesame;
ALTER ROLE sesame_reader IN DATABASE sesame SET search_path = sesame;

-- every table and sequence the owner makes, now and in later migrations (the queue's
-- tables included)
ALTER DEFAULT PRIVILEGES FOR ROLE sesame_owner IN SCHEMA sesame
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sesame_worker;
ALTER DEFAULT PRIVILEGES FOR ROLE sesame_owner IN SCHEMA sesame
    GRANT USAGE ON SEQUENCES TO sesame_worker;
ALTER DEFAULT PRIVILEGES FOR ROLE sesame_owner IN SCHEMA sesame
    GRANT SELECT ON TABLES TO sesame_reader;
-- and those that exist already (a store made before this script ran)
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA sesame TO sesame_worker;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA sesame TO sesame_worker;
GRANT SELECT ON ALL TABLES IN SCHEMA sesame TO sesame_reader;
