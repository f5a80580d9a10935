-- 006: cheaper writes for each message received. Idempotent.
--
-- Every inbound message used to rewrite its lead (unread_count,
-- last_inbound_at, last_contact). leads carries ten indexes, four of them
-- GIN, and last_contact is one of the indexed columns, so none of those
-- updates could be HOT: each one wrote a new row version and ten index
-- entries. The unread count and the 24-hour window are now read from the
-- conversation (which has them already, and three plain indexes); the
-- lead is written only when its last contact moves on. The two lead
-- columns stay, so that nothing that reads them breaks, and are no longer
-- kept up to date.

comment on column leads.unread_count is
  'Not maintained since migration 006: read conversations.unread_count.';
comment on column leads.last_inbound_at is
  'Not maintained by inbound messages since migration 006: read greatest(leads.last_inbound_at, conversations.last_inbound_at).';

-- Room on each page for the next version of a row, so that an update that
-- changes no indexed column (a message within the same second, a read
-- marking, a status) stays on its page as a HOT update.
alter table conversations set (fillfactor = 85);

-- Nothing looks messages up by status (the analytics count them all), yet
-- the index made every insert longer and every status change (sent,
-- delivered, read: three for each message sent) a non-HOT update.
drop index if exists messages_status;
alter table messages set (fillfactor = 90);
