/* wabiz-lead.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "wabiz-db.h"

G_BEGIN_DECLS

/* The columns every lead query selects, in the form wabiz_lead_new_from_result() reads;
 * the table must be named leads, not aliased. The unread count is the conversation's
 * (data/sql/006-hot-counters.sql). */
#define WABIZ_LEAD_COLUMNS \
  "id, phone, name, email, status, timezone, notes, array_to_json(tags)::text AS tags_json," \
  " custom_fields::text AS custom_fields_json," \
  " (extract(epoch FROM last_contact) * 1000000)::bigint AS last_contact_us," \
  " (extract(epoch FROM created_at) * 1000000)::bigint AS created_us," \
  " coalesce((SELECT c.unread_count FROM conversations c WHERE c.phone = leads.phone), 0) AS unread_count"

/* The tags some lead carries, for the tag filter (column "tag"); see
 * data/sql/008-lead-tags.sql. */
#define WABIZ_LEAD_TAGS_SQL \
  "SELECT tag FROM lead_tags t WHERE EXISTS (SELECT 1 FROM leads l WHERE l.tags @> ARRAY[t.tag])" \
  " ORDER BY tag LIMIT 200"

#define WABIZ_TYPE_LEAD (wabiz_lead_get_type ())
G_DECLARE_FINAL_TYPE (WabizLead, wabiz_lead, WABIZ, LEAD, GObject)

const char * const *wabiz_lead_get_statuses       (void);
gboolean            wabiz_lead_status_is_valid    (const char    *status);
/* "New", "Contacted"… translated */
const char         *wabiz_lead_status_to_label    (const char    *status);

WabizLead   *wabiz_lead_new                  (void);
WabizLead   *wabiz_lead_new_from_result      (WabizDbResult *result,
                                              guint          row);
WabizLead   *wabiz_lead_copy                 (WabizLead     *self);

const char  *wabiz_lead_get_id               (WabizLead     *self);
const char  *wabiz_lead_get_phone            (WabizLead     *self);
void         wabiz_lead_set_phone            (WabizLead     *self,
                                              const char    *phone);
const char  *wabiz_lead_get_name             (WabizLead     *self);
void         wabiz_lead_set_name             (WabizLead     *self,
                                              const char    *name);
const char  *wabiz_lead_get_email            (WabizLead     *self);
void         wabiz_lead_set_email            (WabizLead     *self,
                                              const char    *email);
const char  *wabiz_lead_get_status           (WabizLead     *self);
void         wabiz_lead_set_status           (WabizLead     *self,
                                              const char    *status);
const char  *wabiz_lead_get_timezone         (WabizLead     *self);
void         wabiz_lead_set_timezone         (WabizLead     *self,
                                              const char    *timezone);
const char  *wabiz_lead_get_notes            (WabizLead     *self);
void         wabiz_lead_set_notes            (WabizLead     *self,
                                              const char    *notes);
const char * const *wabiz_lead_get_tags      (WabizLead     *self);
void         wabiz_lead_set_tags             (WabizLead     *self,
                                              const char * const *tags);
/* a JSON object of text values, never NULL */
const char  *wabiz_lead_get_custom_fields    (WabizLead     *self);
void         wabiz_lead_set_custom_fields    (WabizLead     *self,
                                              const char    *json);
GDateTime   *wabiz_lead_get_last_contact     (WabizLead     *self);
GDateTime   *wabiz_lead_get_created_at       (WabizLead     *self);
guint        wabiz_lead_get_unread_count     (WabizLead     *self);
/* the name, else the formatted phone number */
char        *wabiz_lead_dup_display_name     (WabizLead     *self);

/* Checks every field and normalises the phone number in place. Returns
 * NULL when the lead can be saved, else field name → message. */
GHashTable  *wabiz_lead_validate             (WabizLead     *self);

/* Inserts (no id) or updates the lead, in one transaction with a NOTIFY.
 * Returns the lead as stored. WABIZ_DB_ERROR_CONSTRAINT: the phone number
 * belongs to another lead. */
void         wabiz_lead_save_async           (WabizLead     *self,
                                              WabizDb       *db,
                                              GCancellable  *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
WabizLead   *wabiz_lead_save_finish          (WabizLead     *self,
                                              GAsyncResult  *result,
                                              GError       **error);

/* A PostgreSQL array literal of @strv, for a text[] parameter. */
char        *wabiz_lead_strv_to_pg_array     (const char * const *strv);

G_END_DECLS

G_BEGIN_DECLS

/* Changes several leads in one statement, with one NOTIFY; the result is
 * the number of leads changed. @value: the status (SET_STATUS) or the
 * tag (ADD_TAG, REMOVE_TAG); unused for DELETE. */
typedef enum
{
  WABIZ_LEADS_CHANGE_SET_STATUS,
  WABIZ_LEADS_CHANGE_ADD_TAG,
  WABIZ_LEADS_CHANGE_REMOVE_TAG,
  WABIZ_LEADS_CHANGE_DELETE,
} WabizLeadsChange;

void         wabiz_leads_change_async        (WabizDb             *db,
                                              WabizLeadsChange     change,
                                              const char * const  *ids,
                                              const char          *value,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gint64       wabiz_leads_change_finish       (WabizDb             *db,
                                              GAsyncResult        *result,
                                              GError             **error);

G_END_DECLS
