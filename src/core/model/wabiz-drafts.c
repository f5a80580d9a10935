/* wabiz-drafts.c
 *
 * SPDX-License-Identifier: MIT
 *
 * What the user typed and did not send, per conversation. Saved to
 * conversations.draft a moment after typing stops, with a NOTIFY, so that
 * every open list (here and on another desktop) and the next start see
 * it, and see it go when the text is sent; until the database has it, it
 * also sits in a small local file, so that neither a closed app nor a
 * database that is briefly away loses a word.
 */

#define G_LOG_DOMAIN "wabiz-drafts"

#include "config.h"

#include "wabiz-drafts.h"

#include <errno.h>
#include <glib/gstdio.h>

#define DEFAULT_DELAY_MS 600
#define RETRY_DELAY_MS 5000
#define BACKUP_GROUP "drafts"

struct _WabizDrafts
{
  GObject     parent_instance;

  WabizDb    *db;           /* (owned) */
  char       *backup_path;  /* (owned) (nullable) */
  GHashTable *pending;      /* (owned) phone → text not yet saved */
  GHashTable *saving;       /* (owned) phone → text being saved */
  GPtrArray  *flushes;      /* (owned) (element-type GTask) waiting for the saves */
  guint       timeout_id;
  guint       delay_ms;
  gboolean    failed;       /* a save in this round failed */
};

G_DEFINE_FINAL_TYPE (WabizDrafts, wabiz_drafts, G_TYPE_OBJECT)

static void save_pending (WabizDrafts *self);

static void
write_backup (WabizDrafts *self)
{
  g_autoptr(GKeyFile) keyfile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  GHashTableIter iter;
  const char *phone, *text;

  if (self->backup_path == NULL)
    return;

  if (g_hash_table_size (self->pending) == 0 && g_hash_table_size (self->saving) == 0)
    {
      if (g_unlink (self->backup_path) != 0 && errno != ENOENT)
        g_warning ("Cannot remove the drafts backup: %s", g_strerror (errno));
      return;
    }

  keyfile = g_key_file_new ();
  g_hash_table_iter_init (&iter, self->saving);
  while (g_hash_table_iter_next (&iter, (gpointer *) &phone, (gpointer *) &text))
    g_key_file_set_string (keyfile, BACKUP_GROUP, phone, text);
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, (gpointer *) &phone, (gpointer *) &text))
    g_key_file_set_string (keyfile, BACKUP_GROUP, phone, text);

  dir = g_path_get_dirname (self->backup_path);
  g_mkdir_with_parents (dir, 0700);
  if (!g_key_file_save_to_file (keyfile, self->backup_path, &error))
    g_warning ("Cannot keep the drafts: %s", error->message);
}

static void
read_backup (WabizDrafts *self)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_auto(GStrv) phones = NULL;

  if (self->backup_path == NULL ||
      !g_key_file_load_from_file (keyfile, self->backup_path, G_KEY_FILE_NONE, NULL))
    return;

  phones = g_key_file_get_keys (keyfile, BACKUP_GROUP, NULL, NULL);
  for (guint i = 0; phones != NULL && phones[i] != NULL; i++)
    {
      char *text = g_key_file_get_string (keyfile, BACKUP_GROUP, phones[i], NULL);

      if (text != NULL)
        g_hash_table_replace (self->pending, g_strdup (phones[i]), text);
    }
}

static void
finish_flushes (WabizDrafts *self)
{
  g_autoptr(GPtrArray) flushes = NULL;
  gboolean failed = self->failed;

  if (g_hash_table_size (self->saving) > 0)
    return;

  flushes = g_steal_pointer (&self->flushes);
  self->flushes = g_ptr_array_new_with_free_func (g_object_unref);
  self->failed = FALSE;

  for (guint i = 0; i < flushes->len; i++)
    {
      GTask *task = g_ptr_array_index (flushes, i);

      if (failed || g_hash_table_size (self->pending) > 0)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                 "Some drafts could not be saved yet");
      else
        g_task_return_boolean (task, TRUE);
    }
}

static gboolean
timeout_cb (gpointer user_data)
{
  WabizDrafts *self = user_data;

  self->timeout_id = 0;
  save_pending (self);
  return G_SOURCE_REMOVE;
}

static void
schedule (WabizDrafts *self,
          guint        delay_ms)
{
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  self->timeout_id = g_timeout_add (delay_ms, timeout_cb, self);
}

typedef struct
{
  WabizDrafts *self;   /* (owned) */
  char        *phone;  /* (owned) */
  char        *text;   /* (owned) */
} SaveData;

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SaveData *data = user_data;
  WabizDrafts *self = data->self;
  g_autoptr(WabizDbResult) res = NULL;
  g_autoptr(GError) error = NULL;

  res = wabiz_db_query_finish (WABIZ_DB (object), result, &error);
  g_hash_table_remove (self->saving, data->phone);

  if (res == NULL)
    {
      g_debug ("Cannot save a draft yet: %s", error->message);
      self->failed = TRUE;
      /* put it back unless the user typed something newer meanwhile */
      if (!g_hash_table_contains (self->pending, data->phone))
        g_hash_table_insert (self->pending, g_strdup (data->phone), g_strdup (data->text));
      if (self->db != NULL)
        schedule (self, RETRY_DELAY_MS);
    }
  else if (g_hash_table_contains (self->pending, data->phone) && self->db != NULL)
    {
      /* newer text came while this one was being saved, and its round
       * passed it by (one save per phone at a time): save it now, or it
       * would wait for the next key press; the sent text's empty draft
       * would never reach the database */
      if (self->flushes->len > 0)
        save_pending (self);
      else if (self->timeout_id == 0)
        schedule (self, self->delay_ms);
    }

  write_backup (self);
  finish_flushes (self);

  g_object_unref (data->self);
  g_free (data->phone);
  g_free (data->text);
  g_free (data);
}

static void
save_pending (WabizDrafts *self)
{
  GHashTableIter iter;
  char *phone, *text;

  if (self->db == NULL)
    return;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, (gpointer *) &phone, (gpointer *) &text))
    {
      SaveData *data;
      const char *params[2];

      /* one save per phone at a time; the newer text waits for the next round */
      if (g_hash_table_contains (self->saving, phone))
        continue;

      data = g_new0 (SaveData, 1);
      data->self = g_object_ref (self);
      data->phone = g_strdup (phone);
      data->text = g_strdup (text);
      params[0] = data->phone;
      params[1] = data->text;
      g_hash_table_insert (self->saving, g_strdup (phone), g_strdup (text));
      g_hash_table_iter_remove (&iter);

      /* no conversation row yet (a lead written to first): make one. A
       * change is announced (at commit, with the statement): the lists
       * only read a conversation again when a NOTIFY names it */
      wabiz_db_query_async (self->db,
                            "WITH u AS (UPDATE conversations"
                            "   SET draft = nullif($2, ''), updated_at = now()"
                            "   WHERE phone = $1 AND draft IS DISTINCT FROM nullif($2, '')"
                            "   RETURNING 1),"
                            " i AS (INSERT INTO conversations (phone, lead_id, total_messages, draft)"
                            "   SELECT $1, (SELECT id FROM leads WHERE phone = $1), 0, $2"
                            "   WHERE $2 <> ''"
                            "     AND NOT EXISTS (SELECT 1 FROM conversations WHERE phone = $1)"
                            "   ON CONFLICT (phone) DO UPDATE SET draft = nullif(excluded.draft, '')"
                            "   RETURNING 1)"
                            " SELECT wabiz_notify('drafts', $1::text)"
                            " WHERE EXISTS (SELECT 1 FROM u) OR EXISTS (SELECT 1 FROM i)",
                            2, params, NULL, save_cb, data);
    }

  finish_flushes (self);
}

static void
wabiz_drafts_dispose (GObject *object)
{
  WabizDrafts *self = WABIZ_DRAFTS (object);

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  /* what is not saved stays in the file for the next start */
  write_backup (self);
  g_clear_object (&self->db);

  G_OBJECT_CLASS (wabiz_drafts_parent_class)->dispose (object);
}

static void
wabiz_drafts_finalize (GObject *object)
{
  WabizDrafts *self = WABIZ_DRAFTS (object);

  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->saving, g_hash_table_unref);
  g_clear_pointer (&self->flushes, g_ptr_array_unref);
  g_free (self->backup_path);

  G_OBJECT_CLASS (wabiz_drafts_parent_class)->finalize (object);
}

static void
wabiz_drafts_class_init (WabizDraftsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wabiz_drafts_dispose;
  object_class->finalize = wabiz_drafts_finalize;
}

static void
wabiz_drafts_init (WabizDrafts *self)
{
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->saving = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->flushes = g_ptr_array_new_with_free_func (g_object_unref);
  self->delay_ms = DEFAULT_DELAY_MS;
}

WabizDrafts *
wabiz_drafts_new (WabizDb    *db,
                  const char *backup_path)
{
  WabizDrafts *self;

  g_return_val_if_fail (WABIZ_IS_DB (db), NULL);

  self = g_object_new (WABIZ_TYPE_DRAFTS, NULL);
  self->db = g_object_ref (db);
  self->backup_path = g_strdup (backup_path);
  read_backup (self);
  if (g_hash_table_size (self->pending) > 0)
    schedule (self, 0);
  return self;
}

void
wabiz_drafts_set_delay (WabizDrafts *self,
                        guint        delay_ms)
{
  g_return_if_fail (WABIZ_IS_DRAFTS (self));
  self->delay_ms = delay_ms;
}

void
wabiz_drafts_set (WabizDrafts *self,
                  const char  *phone,
                  const char  *text)
{
  const char *current;

  g_return_if_fail (WABIZ_IS_DRAFTS (self));
  g_return_if_fail (phone != NULL);

  if (text == NULL)
    text = "";

  current = g_hash_table_lookup (self->pending, phone);
  if (current == NULL)
    current = g_hash_table_lookup (self->saving, phone);
  if (g_strcmp0 (current, text) == 0)
    return;

  g_hash_table_replace (self->pending, g_strdup (phone), g_strdup (text));
  schedule (self, self->delay_ms);
}

gboolean
wabiz_drafts_get_pending (WabizDrafts *self)
{
  g_return_val_if_fail (WABIZ_IS_DRAFTS (self), FALSE);

  return g_hash_table_size (self->pending) > 0 || g_hash_table_size (self->saving) > 0;
}

static void
return_draft (GTask         *task,
              WabizDbResult *res)
{
  if (wabiz_db_result_get_n_rows (res) == 0)
    g_task_return_pointer (task, NULL, NULL);
  else
    g_task_return_pointer (task, g_strdup (wabiz_db_result_get (res, 0, "draft")), g_free);
}

void
wabiz_drafts_load_async (WabizDrafts         *self,
                         const char          *phone,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  const char *local;
  const char *params[1];

  g_return_if_fail (WABIZ_IS_DRAFTS (self));
  g_return_if_fail (phone != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_drafts_load_async);

  local = g_hash_table_lookup (self->pending, phone);
  if (local == NULL)
    local = g_hash_table_lookup (self->saving, phone);
  if (local != NULL)
    {
      g_task_return_pointer (task, *local != '\0' ? g_strdup (local) : NULL, g_free);
      return;
    }

  params[0] = phone;
  wabiz_db_query_for_task (self->db, "SELECT draft FROM conversations WHERE phone = $1",
                           1, params, g_steal_pointer (&task), return_draft);
}

char *
wabiz_drafts_load_finish (WabizDrafts   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (WABIZ_IS_DRAFTS (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_drafts_load_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wabiz_drafts_flush_async (WabizDrafts         *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WABIZ_IS_DRAFTS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_drafts_flush_async);

  g_ptr_array_add (self->flushes, g_steal_pointer (&task));
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  self->failed = FALSE;
  save_pending (self);
}

gboolean
wabiz_drafts_flush_finish (WabizDrafts   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (WABIZ_IS_DRAFTS (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_drafts_flush_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
