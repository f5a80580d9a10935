/* wabiz-demo.c
 *
 * SPDX-License-Identifier: MIT
 *
 * Sample data of the demo: a few leads, written straight into an empty
 * database, and a few customer messages that simulated customers send
 * through the simulator, so that they arrive the way real ones do
 * (signed webhook → /webhook → processor → Conversations).
 */

#define G_LOG_DOMAIN "wabiz-demo"

#include "config.h"

#include "wabiz-demo.h"

#include <glib/gi18n.h>

typedef struct
{
  const char *phone;
  const char *name;
  const char *email;
  const char *status;
  const char *notes;
  const char *message;   /* (nullable): what the customer writes */
} DemoLead;

/* Fictitious customers of a small shop; phone numbers in the 555 range. */
static const DemoLead demo_leads[] = {
  { "15550100001", "Ana Souza", "ana@example.com", "INTERESTED", N_("Wants the blue vase"),
    N_("Hi! Do you still have the blue vase from your window?") },
  { "15550100002", "Bruno Lima", NULL, "NEW", NULL,
    N_("Is the shop open on Sunday?") },
  { "15550100003", "Carla Dias", "carla@example.com", "CONTACTED",
    N_("Asked for a quote for 20 mugs"),
    N_("Thanks for the quote, I will let you know by Friday.") },
  { "15550100004", "David Chen", NULL, "CONVERTED", N_("Regular customer"), NULL },
  { "15550100005", "Eva Novak", "eva@example.com", "LOST", NULL, NULL },
};

/* WabizDbTransactionFunc: the sample leads, in one transaction */
static gboolean
insert_leads (WabizDbConn  *conn,
              gpointer      data,
              GError      **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (demo_leads); i++)
    {
      const DemoLead *lead = &demo_leads[i];
      const char *params[] = {
        lead->phone, lead->name, lead->email, lead->status,
        lead->notes != NULL ? _(lead->notes) : NULL,
      };
      g_autoptr(WabizDbResult) res = NULL;

      res = wabiz_db_conn_exec (conn,
                                "INSERT INTO leads (phone, name, email, status, notes)"
                                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (phone) DO NOTHING",
                                G_N_ELEMENTS (params), params, error);
      if (res == NULL)
        return FALSE;
    }
  return TRUE;
}

static void
insert_leads_job (WabizDb      *db,
                  WabizDbConn  *conn,
                  GTask        *task,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  g_autoptr(WabizDbResult) count = NULL;
  GError *error = NULL;

  count = wabiz_db_conn_exec (conn, "SELECT count(*) AS n FROM leads", 0, NULL, &error);
  if (count == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* only an empty database gets sample data */
  if (wabiz_db_result_get_int (count, 0, "n") > 0)
    {
      g_task_return_boolean (task, FALSE);
      return;
    }

  if (!wabiz_db_conn_transaction (conn, insert_leads, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
send_customer_messages (WabizSimServer *sim)
{
  for (guint i = 0; i < G_N_ELEMENTS (demo_leads); i++)
    {
      const DemoLead *lead = &demo_leads[i];
      g_autoptr(JsonObject) spec = NULL;
      g_autoptr(JsonObject) result = NULL;
      g_autoptr(GError) error = NULL;
      JsonObject *text;

      if (lead->message == NULL)
        continue;

      spec = json_object_new ();
      text = json_object_new ();
      json_object_set_string_member (text, "body", _(lead->message));
      json_object_set_string_member (spec, "from", lead->phone);
      json_object_set_string_member (spec, "name", lead->name);
      json_object_set_string_member (spec, "type", "text");
      json_object_set_object_member (spec, "text", text);
      result = wabiz_sim_server_inject_inbound (sim, spec, &error);
      if (result == NULL)
        g_warning ("The simulator did not take a demo message: %s", error->message);
    }
}

static void
leads_inserted_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WabizSimServer *sim = g_task_get_task_data (task);
  GError *error = NULL;
  gboolean seeded;

  seeded = g_task_propagate_boolean (G_TASK (result), &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (seeded)
    {
      g_debug ("Sample leads written; simulated customers write now");
      send_customer_messages (sim);
    }
  g_task_return_boolean (task, seeded);
}

/**
 * wabiz_demo_seed_async:
 * @sim: a started simulator whose webhooks reach this app
 *
 * Gives an empty database the demo's sample data; a database that has
 * leads already is left as it is. Finishes with whether it seeded.
 */
void
wabiz_demo_seed_async (WabizDb             *db,
                       WabizSimServer      *sim,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GTask *job;

  g_return_if_fail (WABIZ_IS_DB (db));
  g_return_if_fail (WABIZ_IS_SIM_SERVER (sim));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wabiz_demo_seed_async);
  g_task_set_task_data (task, g_object_ref (sim), g_object_unref);

  job = g_task_new (db, cancellable, leads_inserted_cb, g_steal_pointer (&task));
  wabiz_db_run_in_thread (db, job, insert_leads_job);
  g_object_unref (job);
}

gboolean
wabiz_demo_seed_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, wabiz_demo_seed_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
