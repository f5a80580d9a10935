/* wabiz-template-preview.c
 *
 * SPDX-License-Identifier: MIT
 *
 * A template as the customer's phone shows it: the business's message
 * arriving in the chat, with its header (text, or the image, video or
 * document), the body with the values filled in, the footer, and the
 * buttons under it. The editor, the Templates pane and the send dialog
 * show it.
 */

#define G_LOG_DOMAIN "wabiz-template-preview"

#include "config.h"

#include "wabiz-template-preview.h"
#include "wabiz-template-rules.h"

#include <glib/gi18n.h>

struct _WabizTemplatePreview
{
  GtkWidget     parent_instance;

  GtkSizeGroup *widths;         /* (owned): the bubble and its buttons */
  GFile        *picture_file;   /* (owned) (nullable): shown in the picture */

  /* template children */
  GtkWidget    *phone;
  GtkWidget    *bubble;
  GtkStack     *media_stack;
  GtkImage     *media_icon;
  GtkLabel     *media_label;
  GtkPicture   *picture;
  GtkLabel     *header_label;
  GtkLabel     *body_label;
  GtkLabel     *footer_label;
  GtkBox       *buttons_box;
};

G_DEFINE_FINAL_TYPE (WabizTemplatePreview, wabiz_template_preview, GTK_TYPE_WIDGET)

static void
set_label (GtkLabel   *label,
           const char *text)
{
  gtk_label_set_text (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL && *text != '\0');
}

static const char *
button_icon (const char *type)
{
  if (g_strcmp0 (type, "URL") == 0)
    return "web-browser-symbolic";
  if (g_strcmp0 (type, "PHONE_NUMBER") == 0)
    return "call-start-symbolic";
  if (g_strcmp0 (type, "COPY_CODE") == 0)
    return "edit-copy-symbolic";
  return "mail-reply-sender-symbolic";
}

static void
show_buttons (WabizTemplatePreview *self,
              GPtrArray            *buttons)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->buttons_box))) != NULL)
    {
      gtk_size_group_remove_widget (self->widths, child);
      gtk_box_remove (self->buttons_box, child);
    }

  for (guint i = 0; buttons != NULL && i < buttons->len; i++)
    {
      const WabizTemplateButton *button = g_ptr_array_index (buttons, i);
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *label;
      const char *text = button->text;

      /* Meta's own label */
      if (g_strcmp0 (button->type, "COPY_CODE") == 0)
        text = _("Copy Offer Code");
      gtk_widget_add_css_class (box, "template-preview-button");
      gtk_widget_set_halign (box, GTK_ALIGN_FILL);
      gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name (button_icon (button->type)));
      label = gtk_label_new (text != NULL && *text != '\0' ? text : "…");
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_box_append (GTK_BOX (box), label);
      gtk_box_append (self->buttons_box, box);
      gtk_size_group_add_widget (self->widths, box);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->buttons_box), buttons != NULL && buttons->len > 0);
}

static void
show_media (WabizTemplatePreview *self,
            const char           *format,
            GFile                *media,
            const char           *name)
{
  gboolean media_header = format != NULL && !g_str_equal (format, "TEXT");
  g_autofree char *basename = media != NULL ? g_file_get_basename (media) : NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->media_stack), media_header);
  if (!media_header)
    return;

  if (g_str_equal (format, "IMAGE") && media != NULL)
    {
      if (self->picture_file == NULL || !g_file_equal (self->picture_file, media))
        {
          g_set_object (&self->picture_file, media);
          gtk_picture_set_file (self->picture, media);
        }
      gtk_stack_set_visible_child_name (self->media_stack, "picture");
      return;
    }

  if (g_str_equal (format, "IMAGE"))
    gtk_image_set_from_icon_name (self->media_icon, "image-x-generic-symbolic");
  else if (g_str_equal (format, "VIDEO"))
    gtk_image_set_from_icon_name (self->media_icon, "video-x-generic-symbolic");
  else if (g_str_equal (format, "LOCATION"))
    gtk_image_set_from_icon_name (self->media_icon, "mark-location-symbolic");
  else
    gtk_image_set_from_icon_name (self->media_icon, "x-office-document-symbolic");

  if (name != NULL && *name != '\0')
    gtk_label_set_text (self->media_label, name);
  else if (basename != NULL)
    gtk_label_set_text (self->media_label, basename);
  else if (g_str_equal (format, "IMAGE"))
    gtk_label_set_text (self->media_label, _("Image"));
  else if (g_str_equal (format, "VIDEO"))
    gtk_label_set_text (self->media_label, _("Video"));
  else if (g_str_equal (format, "LOCATION"))
    gtk_label_set_text (self->media_label, _("Location"));
  else
    gtk_label_set_text (self->media_label, _("Document"));
  gtk_stack_set_visible_child_name (self->media_stack, "placeholder");
}

static void
wabiz_template_preview_dispose (GObject *object)
{
  WabizTemplatePreview *self = WABIZ_TEMPLATE_PREVIEW (object);

  g_clear_object (&self->widths);
  g_clear_object (&self->picture_file);
  gtk_widget_dispose_template (GTK_WIDGET (self), WABIZ_TYPE_TEMPLATE_PREVIEW);

  G_OBJECT_CLASS (wabiz_template_preview_parent_class)->dispose (object);
}

static void
wabiz_template_preview_class_init (WabizTemplatePreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wabiz_template_preview_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/example/WaBiz/ui/wabiz-template-preview.ui");
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatePreview, phone);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatePreview, bubble);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatePreview, media_stack);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatePreview, media_icon);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatePreview, media_label);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatePreview, picture);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatePreview, header_label);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatePreview, body_label);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatePreview, footer_label);
  gtk_widget_class_bind_template_child (widget_class, WabizTemplatePreview, buttons_box);
}

static void
wabiz_template_preview_init (WabizTemplatePreview *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->widths = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
  gtk_size_group_add_widget (self->widths, self->bubble);
}

GtkWidget *
wabiz_template_preview_new (void)
{
  return g_object_new (WABIZ_TYPE_TEMPLATE_PREVIEW, NULL);
}

void
wabiz_template_preview_set_template (WabizTemplatePreview      *self,
                                     WabizTemplate             *template,
                                     const WabizTemplateValues *values,
                                     GFile                     *media)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  g_autoptr(WabizTemplateValues) examples = NULL;
  g_autofree char *header = NULL;
  g_autofree char *body = NULL;
  const char *format;
  const char *media_name = NULL;

  g_return_if_fail (WABIZ_IS_TEMPLATE_PREVIEW (self));
  g_return_if_fail (WABIZ_IS_TEMPLATE (template));

  if (values == NULL)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      examples = wabiz_template_values_new ();
      for (guint i = 0; i < wabiz_template_get_n_params (template); i++)
        {
          const char *example = wabiz_template_get_example (template, i);

          g_strv_builder_add (builder, example != NULL ? example : "");
        }
      examples->body = g_strv_builder_end (builder);
      examples->header_text = g_strdup (wabiz_template_get_header_example (template));
      values = examples;
    }

  format = wabiz_template_get_header_format (template);
  if (g_strcmp0 (format, "TEXT") == 0 && wabiz_template_get_header (template) != NULL)
    {
      const char *header_values[] = { values->header_text, NULL };

      header = wabiz_template_fill_placeholders (wabiz_template_get_header (template), header_values);
    }
  else if (format != NULL && values->header_link != NULL && *values->header_link != '\0')
    media_name = values->header_link;
  body = wabiz_template_fill_body (template, values);
  for (guint i = 0; i < wabiz_template_get_n_buttons (template); i++)
    g_ptr_array_add (buttons, (gpointer) wabiz_template_get_button (template, i));

  show_media (self, format, media, media_name);
  set_label (self->header_label, header);
  gtk_label_set_text (self->body_label, body);
  set_label (self->footer_label, wabiz_template_get_footer (template));
  show_buttons (self, buttons);
}

void
wabiz_template_preview_set_spec (WabizTemplatePreview    *self,
                                 const WabizTemplateSpec *spec,
                                 GFile                   *media)
{
  g_autofree char *header = NULL;
  g_autofree char *body = NULL;
  const char *format;

  g_return_if_fail (WABIZ_IS_TEMPLATE_PREVIEW (self));
  g_return_if_fail (spec != NULL);

  format = spec->header_format;
  if (g_strcmp0 (format, "TEXT") == 0 && spec->header_text != NULL)
    {
      const char *header_values[] = { spec->header_example, NULL };

      header = wabiz_template_fill_placeholders (spec->header_text, header_values);
    }
  body = wabiz_template_fill_placeholders (spec->body != NULL ? spec->body : "",
                                           (const char * const *) spec->body_examples);

  show_media (self, format, media, NULL);
  set_label (self->header_label, header);
  gtk_label_set_text (self->body_label, *body != '\0' ? body : _("Write the message’s text"));
  set_label (self->footer_label, spec->footer);
  show_buttons (self, spec->buttons);
}

const char *
wabiz_template_preview_get_header (WabizTemplatePreview *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_PREVIEW (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->header_label))
         ? gtk_label_get_text (self->header_label) : NULL;
}

const char *
wabiz_template_preview_get_media (WabizTemplatePreview *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_PREVIEW (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->media_stack)))
    return NULL;
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->media_stack), "picture") == 0)
    return _("Picture");
  return gtk_label_get_text (self->media_label);
}

const char *
wabiz_template_preview_get_body (WabizTemplatePreview *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_PREVIEW (self), NULL);

  return gtk_label_get_text (self->body_label);
}

const char *
wabiz_template_preview_get_footer (WabizTemplatePreview *self)
{
  g_return_val_if_fail (WABIZ_IS_TEMPLATE_PREVIEW (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->footer_label))
         ? gtk_label_get_text (self->footer_label) : NULL;
}

char *
wabiz_template_preview_dup_buttons (WabizTemplatePreview *self)
{
  GString *text = NULL;

  g_return_val_if_fail (WABIZ_IS_TEMPLATE_PREVIEW (self), NULL);

  for (GtkWidget *box = gtk_widget_get_first_child (GTK_WIDGET (self->buttons_box)); box != NULL;
       box = gtk_widget_get_next_sibling (box))
    {
      GtkWidget *label = gtk_widget_get_last_child (box);

      if (text == NULL)
        text = g_string_new (NULL);
      else
        g_string_append_c (text, '\n');
      g_string_append (text, gtk_label_get_text (GTK_LABEL (label)));
    }
  return text != NULL ? g_string_free (text, FALSE) : NULL;
}
