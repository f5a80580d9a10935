/* wabiz-pane.h
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <adwaita.h>

#include "wabiz-db.h"
#include "wabiz-file-chooser.h"
#include "wabiz-paged-model.h"
#include "wabiz-services.h"

G_BEGIN_DECLS

#define WABIZ_TYPE_PANE (wabiz_pane_get_type ())
G_DECLARE_DERIVABLE_TYPE (WabizPane, wabiz_pane, WABIZ, PANE, GtkWidget)

/**
 * WabizPaneClass:
 * @tables: (array zero-terminated=1) (nullable): the tables whose
 *   changes the pane follows (its models follow theirs themselves)
 * @reload: (re)query what the pane shows from #WabizPane:database, which
 *   is not %NULL; call wabiz_pane_set_loaded() when done
 * @changed: a row of @table changed (the services' listener said so);
 *   @table %NULL: anything may have changed (the listener reconnected).
 *   By default it calls @changes_done, once after a burst of changes
 * @changes_delay: how long after the first change of a burst (webhooks,
 *   imports) @changes_done comes, in milliseconds
 * @changes_done: (nullable): the changes of a burst came; the pane has a
 *   database
 */
struct _WabizPaneClass
{
  GtkWidgetClass parent_class;

  const char * const *tables;

  void (*reload)  (WabizPane  *self);
  void (*changed) (WabizPane  *self,
                   const char *table,
                   const char *phone,
                   const char *id);

  guint changes_delay;
  void (*changes_done) (WabizPane  *self);
};

GtkWidget    *wabiz_pane_get_child        (WabizPane  *self);
void          wabiz_pane_set_child        (WabizPane  *self,
                                           GtkWidget  *child);
WabizServices *wabiz_pane_get_services    (WabizPane  *self);
void          wabiz_pane_set_services     (WabizPane  *self,
                                           WabizServices *services);
gboolean      wabiz_pane_get_on_hold      (WabizPane  *self);
void          wabiz_pane_set_on_hold      (WabizPane  *self,
                                           gboolean    on_hold);
WabizDb      *wabiz_pane_get_database     (WabizPane  *self);
const char   *wabiz_pane_get_title        (WabizPane  *self);
const char   *wabiz_pane_get_icon_name    (WabizPane  *self);
gboolean      wabiz_pane_get_loaded       (WabizPane  *self);
const char   *wabiz_pane_get_summary      (WabizPane  *self);
gboolean      wabiz_pane_get_own_back     (WabizPane  *self);
void          wabiz_pane_reload           (WabizPane  *self);

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
GtkWindow    *wabiz_pane_get_window       (WabizPane  *self);
void          wabiz_pane_load_css         (const char *resource);
void          wabiz_pane_follow_leaflet   (WabizPane  *self,
                                           AdwLeaflet *leaflet,
                                           GtkWidget  *list_side,
                                           GtkWidget  *details_side,
                                           GtkWidget  *back_button);
void          wabiz_pane_show_list_action (GtkWidget  *widget,
                                           const char *action_name,
                                           GVariant   *parameter);
void          wabiz_pane_set_up_list      (WabizPane   *self,
                                           GtkListView *list_view,
                                           GCallback    row_new,
                                           GCallback    row_set_item,
                                           GCallback    activate);
void          wabiz_pane_watch_scroller   (WabizPane         *self,
                                           GtkScrolledWindow *scroller,
                                           GCallback          moved);
void          wabiz_pane_load_more_near_end (WabizPane       *self,
                                             GtkScrolledWindow *scroller,
                                             WabizPagedModel *model,
                                             const char      *what);

G_END_DECLS
