/* test-json.c: the JSON reader of the webhook path
 *
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "wabiz-error.h"
#include "wabiz-json.h"

#include <string.h>

typedef struct
{
  const char *name;
  const char *text;
  gboolean    valid;
} Case;

static const Case cases[] = {
  { "object", "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}", TRUE },
  { "scalar-string", "\"x\"", TRUE },
  { "scalar-number", "-0.5e+10", TRUE },
  { "scalar-true", " true ", TRUE },
  { "empty-containers", "[{},[],\"\"]", TRUE },
  { "white-space", "\t{ \"a\" :\r\n [ 1 , 2 ] }\n", TRUE },
  { "escapes", "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9\"", TRUE },
  { "surrogate-pair", "\"\\ud83d\\ude00\"", TRUE },
  { "utf8", "{\"name\":\"São Paulo ☕\"}", TRUE },
  { "empty", "", FALSE },
  { "only-space", "   ", FALSE },
  { "trailing-comma-array", "[1,2,]", FALSE },
  { "trailing-comma-object", "{\"a\":1,}", FALSE },
  { "two-values", "{} {}", FALSE },
  { "unclosed-object", "{\"a\":1", FALSE },
  { "unclosed-string", "\"abc", FALSE },
  { "single-quotes", "{'a':1}", FALSE },
  { "bare-key", "{a:1}", FALSE },
  { "missing-colon", "{\"a\" 1}", FALSE },
  { "leading-zero", "012", FALSE },
  { "plus-sign", "+1", FALSE },
  { "bare-dot", "1.", FALSE },
  { "bare-exponent", "1e", FALSE },
  { "nan", "NaN", FALSE },
  { "truncated-literal", "tru", FALSE },
  { "control-in-string", "\"a\tb\"", FALSE },
  { "bad-escape", "\"\\x41\"", FALSE },
  { "short-unicode-escape", "\"\\u12\"", FALSE },
  { "lone-low-surrogate", "\"\\udc00\"", FALSE },
  { "lone-high-surrogate", "\"\\ud83d\"", FALSE },
  { "high-then-not-low", "\"\\ud83d\\u0041\"", FALSE },
  { "invalid-utf8", "\"\xc3\x28\"", FALSE },
  { "comment", "{} // no", FALSE },
};

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  gsize       length = strlen (c->text);
  g_autoptr (GError) error = NULL;
  g_autoptr (WabizJsonDoc) doc = NULL;

  g_assert_cmpint (wabiz_json_validate (c->text, length), ==, c->valid);

  doc = wabiz_json_doc_parse (c->text, length, &error);
  if (c->valid)
    {
      g_assert_no_error (error);
      g_assert_nonnull (doc);
      g_assert_nonnull (wabiz_json_doc_get_root (doc));
    }
  else
    {
      g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
      g_assert_null (doc);
    }
}

/* a NUL byte inside the given length is refused, not read as the end */
static void
test_nul (void)
{
  const char text[] = "{\"a\":1}\0{";
  g_autoptr (GError) error = NULL;
  g_autoptr (WabizJsonDoc) doc = wabiz_json_doc_parse (text, sizeof text - 1, &error);

  g_assert_false (wabiz_json_validate (text, sizeof text - 1));
  g_assert_error (error, WABIZ_ERROR, WABIZ_ERROR_INVALID_INPUT);
  g_assert_null (doc);
  g_assert_true (wabiz_json_validate (text, strlen (text)));
}

static void
test_depth (void)
{
  g_autoptr (GString) deep = g_string_new (NULL);

  for (guint i = 0; i < 512; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 512; i++)
    g_string_append_c (deep, ']');
  g_assert_true (wabiz_json_validate (deep->str, deep->len));

  g_string_prepend_c (deep, '[');
  g_string_append_c (deep, ']');
  g_assert_false (wabiz_json_validate (deep->str, deep->len));
}

/* PostgreSQL holds no U+0000: a \u0000 reads as U+FFFD, in text and in
 * the JSON kept for a jsonb column; an escaped backslash before "u0000"
 * is left alone */
static void
test_nul_escape (void)
{
  const char *text = "{\"t\":\"a\\u0000b\",\"k\":\"c\\\\u0000d\"}";
  g_autoptr (GError) error = NULL;
  g_autoptr (WabizJsonDoc) doc = wabiz_json_doc_parse (text, strlen (text), &error);
  const WabizJsonNode *root;
  g_autofree char     *json = NULL;

  g_assert_no_error (error);
  root = wabiz_json_doc_get_root (doc);
  g_assert_cmpstr (wabiz_json_node_get_string (wabiz_json_node_get_member (root, "t")), ==,
                   "a\xef\xbf\xbd"
                   "b");
  g_assert_cmpstr (wabiz_json_node_get_string (wabiz_json_node_get_member (root, "k")), ==,
                   "c\\u0000d");
  json = wabiz_json_node_dup_json (root);
  g_assert_cmpstr (json, ==, "{\"t\":\"a\\ufffdb\",\"k\":\"c\\\\u0000d\"}");
}

static void
test_tree (void)
{
  const char *text = "{\"s\":\"a\\n\\u00e9\\ud83d\\ude00\",\"n\":[1,-20,3.25,1e2,99999999999999999999],"
                     "\"t\":true,\"z\":null,\"dup\":1,\"dup\":2,\"o\":{ \"k\" : [ 1 ,2 ] }}";
  g_autoptr (GError) error = NULL;
  g_autoptr (WabizJsonDoc) doc = wabiz_json_doc_parse (text, strlen (text), &error);
  const WabizJsonNode *root;
  const WabizJsonNode *n;
  const char          *expected[] = { "1", "-20", "3.25", "100", "1e+20" };
  guint                i = 0;
  g_autofree char     *o = NULL;
  g_autofree char     *dup = NULL;

  g_assert_no_error (error);
  root = wabiz_json_doc_get_root (doc);
  g_assert_cmpint (wabiz_json_node_get_kind (root), ==, WABIZ_JSON_OBJECT);
  g_assert_cmpuint (wabiz_json_node_get_length (root), ==, 7);

  g_assert_cmpstr (wabiz_json_node_get_string (wabiz_json_node_get_member (root, "s")), ==,
                   "a\n\xc3\xa9\xf0\x9f\x98\x80");

  n = wabiz_json_node_get_member (root, "n");
  g_assert_cmpint (wabiz_json_node_get_kind (n), ==, WABIZ_JSON_ARRAY);
  g_assert_cmpuint (wabiz_json_node_get_length (n), ==, G_N_ELEMENTS (expected));
  for (const WabizJsonNode *e = wabiz_json_node_get_first (n); e != NULL; e = wabiz_json_node_get_next (e))
    {
      g_autofree char *value = wabiz_json_node_dup_text (e);

      g_assert_cmpstr (value, ==, expected[i++]);
    }
  g_assert_cmpuint (i, ==, G_N_ELEMENTS (expected));

  g_assert_cmpint (wabiz_json_node_get_kind (wabiz_json_node_get_member (root, "t")), ==, WABIZ_JSON_TRUE);
  g_assert_null (wabiz_json_node_dup_text (wabiz_json_node_get_member (root, "t")));
  g_assert_null (wabiz_json_node_dup_json (wabiz_json_node_get_member (root, "z")));
  g_assert_null (wabiz_json_node_get_member (root, "missing"));
  g_assert_null (wabiz_json_node_get_member (n, "s"));

  /* a repeated name: the last one, as json-glib and PostgreSQL read it */
  dup = wabiz_json_node_dup_text (wabiz_json_node_get_member (root, "dup"));
  g_assert_cmpstr (dup, ==, "2");

  /* a part as it was written, for a jsonb column */
  o = wabiz_json_node_dup_json (wabiz_json_node_get_member (root, "o"));
  g_assert_cmpstr (o, ==, "{ \"k\" : [ 1 ,2 ] }");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/wabiz/json/%s/%s",
                                               cases[i].valid ? "valid" : "invalid", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_func ("/wabiz/json/nul", test_nul);
  g_test_add_func ("/wabiz/json/depth", test_depth);
  g_test_add_func ("/wabiz/json/tree", test_tree);
  g_test_add_func ("/wabiz/json/nul-escape", test_nul_escape);

  return g_test_run ();
}
