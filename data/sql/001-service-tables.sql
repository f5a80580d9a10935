-- 001: the three tables of the FastAPI service WaBiz replaces, exactly as
-- its SUPABASE_COMPLETE_SETUP.sql made them. On a database the service
-- already filled these statements change nothing, and the migrations
-- after this one upgrade the tables in place, keeping every row.

create table if not exists leads (
    id uuid primary key default gen_random_uuid(),
    phone varchar(15) unique not null,
    name varchar(255),
    email varchar(255),
    status varchar(20),
    first_contact timestamp,
    created_at timestamp default current_timestamp
);

create table if not exists conversations (
    id uuid primary key default gen_random_uuid(),
    phone varchar(15) unique not null,
    lead_id uuid references leads(id),
    total_messages int default 1,
    last_message text,
    last_message_time timestamp,
    created_at timestamp default current_timestamp
);

create table if not exists messages (
    id uuid primary key default gen_random_uuid(),
    phone varchar(15) not null,
    message text,
    sender varchar(50),
    direction varchar(10),
    status varchar(20),
    message_id varchar(100) unique,
    media_url text,
    media_type varchar(20),
    caption text,
    timestamp timestamp default current_timestamp
);
