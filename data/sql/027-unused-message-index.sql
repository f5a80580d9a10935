-- 027: one index less to write for every message. Idempotent.
--
-- messages_created (017) was meant for the opt-out rounds, which look at
-- the customers' new messages by created_at. Every query that reads
-- messages by created_at also asks for direction = 'inbound', and the
-- planner reads those through messages_inbound_created (016), which is
-- smaller: no plan used messages_created, yet each message written
-- added an entry to it.

drop index if exists messages_created;
