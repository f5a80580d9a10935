/* wabiz-pane.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-db.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_PANE (wabiz_pane_get_type ())
G_DECLARE_DERIVABLE_TYPE (WabizPane, wabiz_pane, WABIZ, PANE, GtkWidget)

/**
 * WabizPaneClass:
 * @reload: (re)query what the pane shows from #WabizPane:database, which
 *   is not %NULL; call wabiz_pane_set_loaded() when done
 * @notification: a row of @table changed (a NOTIFY from the database)
 */
struct _WabizPaneClass
{
  GtkWidgetClass parent_class;

  void (*reload)       (WabizPane  *self);
  void (*notification) (WabizPane  *self,
                        const char *table,
                        const char *phone,
                        const char *id);
};

GtkWidget    *wabiz_pane_get_child        (WabizPane  *self);
void          wabiz_pane_set_child        (WabizPane  *self,
                                           GtkWidget  *child);
WabizDb      *wabiz_pane_get_database     (WabizPane  *self);
void          wabiz_pane_set_database     (WabizPane  *self,
                                           WabizDb    *database);
const char   *wabiz_pane_get_title        (WabizPane  *self);
const char   *wabiz_pane_get_icon_name    (WabizPane  *self);
gboolean      wabiz_pane_get_loaded       (WabizPane  *self);
const char   *wabiz_pane_get_summary      (WabizPane  *self);
gboolean      wabiz_pane_get_own_back     (WabizPane  *self);
void          wabiz_pane_reload           (WabizPane  *self);
void          wabiz_pane_notification     (WabizPane  *self,
                                           const char *table,
                                           const char *phone,
                                           const char *id);

/* for subclasses */
void          wabiz_pane_set_loaded       (WabizPane  *self,
                                           gboolean    loaded);
void          wabiz_pane_set_summary      (WabizPane  *self,
                                           const char *summary);
void          wabiz_pane_set_own_back     (WabizPane  *self,
                                           gboolean    own_back);
GCancellable *wabiz_pane_get_cancellable  (WabizPane  *self);
void          wabiz_pane_show_error       (WabizPane  *self,
                                           const GError *error);
char         *wabiz_pane_format_count     (gint64      count);

G_END_DECLS
