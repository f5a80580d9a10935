-- 020: a conversation can be muted: its new messages do not show a
-- desktop notification (the app's Mute action, wabiz-conversation-mute.c).
-- Every desktop sharing the database reads the same flag. Idempotent.

alter table conversations add column if not exists muted boolean not null default false;
