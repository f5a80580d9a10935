-- 007: attachments queued from a local file. Idempotent; keeps every row.
--
-- An attachment is queued before anything goes on the network: the file
-- is copied into the queuing process's spool directory
-- ($XDG_DATA_HOME/wabiz/outbox/) and the outbox row names that copy. The
-- sender uploads it to Meta first, stores the media id here (so a retry
-- never uploads twice), then sends the message by that id. The copy is
-- deleted once the message is settled (sent, failed or unknown).
--
-- outbox.media_file: the spool copy's path; NULL for messages without a
--   local file, and once the copy is deleted.
-- outbox.media_host: which machine and user holds the copy; only a sender
--   there can upload it.
-- outbox.media_upload_id, media_uploaded_at: Meta's media id once uploaded.

alter table outbox add column if not exists media_file text;
alter table outbox add column if not exists media_host text;
alter table outbox add column if not exists media_upload_id text;
alter table outbox add column if not exists media_uploaded_at timestamptz;

create index if not exists outbox_media_files on outbox (media_host) where media_file is not null;
