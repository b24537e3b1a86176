/* A correct GLib/GIO program for scripts/hardening: every observation of a
 * file waits for the completion the API reports (a callback on the main
 * loop, a joined pool), so awaitaudit must give it no error-level finding.
 * Usage: glib_prog DIR  (prints the sizes it observed). */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

static const char *dir;
static GMainLoop *loop;
static int pending;

static char *path_of(const char *kind, int i) { return g_strdup_printf("%s/%s-%02d.txt", dir, kind, i); }

static gsize expect_size(int i) { return 100 + 37 * (gsize)i; }

static void fill(char *buf, gsize n, int i) { for (gsize k = 0; k < n; k++) buf[k] = 'a' + (char)((k + i) % 26); }

static void check_size(const char *what, const char *path, gsize want) {
    GStatBuf st;
    if (g_stat(path, &st) != 0 || (gsize)st.st_size != want)
        printf("STALE %s %s\n", what, path);
}

static void done_one(void) { if (--pending == 0) g_main_loop_quit(loop); }

/* GTask: the worker thread writes; the callback on the main loop observes. */
static void task_thread(GTask *task, gpointer src, gpointer data, GCancellable *c) {
    int i = GPOINTER_TO_INT(data);
    char *p = path_of("task", i);
    gsize n = expect_size(i);
    char *buf = g_malloc(n);
    fill(buf, n, i);
    GError *err = NULL;
    gboolean ok = g_file_set_contents(p, buf, (gssize)n, &err);
    g_free(buf);
    g_free(p);
    if (!ok) { g_task_return_error(task, err); return; }
    g_task_return_int(task, (gssize)n);
}

static void task_done(GObject *src, GAsyncResult *res, gpointer data) {
    int i = GPOINTER_TO_INT(data);
    GError *err = NULL;
    gssize n = g_task_propagate_int(G_TASK(res), &err);
    char *p = path_of("task", i);
    if (n < 0) printf("task %d failed: %s\n", i, err->message);
    else check_size("task", p, (gsize)n);
    g_free(p);
    done_one();
}

/* GIO: replace_contents_async, then query_info_async from its callback. */
static void info_done(GObject *src, GAsyncResult *res, gpointer data) {
    int i = GPOINTER_TO_INT(data);
    GError *err = NULL;
    GFileInfo *info = g_file_query_info_finish(G_FILE(src), res, &err);
    if (!info) printf("info %d failed: %s\n", i, err->message);
    else {
        if ((gsize)g_file_info_get_size(info) != expect_size(i)) printf("STALE gio %d\n", i);
        g_object_unref(info);
    }
    done_one();
}

static void replace_done(GObject *src, GAsyncResult *res, gpointer data) {
    int i = GPOINTER_TO_INT(data);
    GError *err = NULL;
    if (!g_file_replace_contents_finish(G_FILE(src), res, NULL, &err)) {
        printf("replace %d failed: %s\n", i, err->message);
        done_one();
        return;
    }
    g_file_query_info_async(G_FILE(src), G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                            G_PRIORITY_DEFAULT, NULL, info_done, data);
}

/* GThreadPool: jobs write; the pool is freed with wait=TRUE before any stat. */
static void pool_job(gpointer data, gpointer user) {
    int i = GPOINTER_TO_INT(data) - 1;
    char *p = path_of("pool", i);
    FILE *f = fopen(p, "w");
    gsize n = expect_size(i);
    for (gsize k = 0; k < n; k++) fputc('0' + (int)(k % 10), f);
    fclose(f);
    g_free(p);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: glib_prog DIR\n"); return 2; }
    dir = argv[1];
    const int N = 12;

    for (int i = 0; i < N; i++) {   /* g_file_set_contents: temp file, fsync, rename */
        char *p = path_of("set", i);
        char buf[1024];
        fill(buf, expect_size(i), i);
        g_file_set_contents(p, buf, (gssize)expect_size(i), NULL);
        check_size("set", p, expect_size(i));
        g_free(p);
    }

    loop = g_main_loop_new(NULL, FALSE);
    for (int i = 0; i < N; i++) {
        GTask *t = g_task_new(NULL, NULL, task_done, GINT_TO_POINTER(i));
        g_task_set_task_data(t, GINT_TO_POINTER(i), NULL);
        g_task_run_in_thread(t, task_thread);
        g_object_unref(t);
        pending++;
        char *p = path_of("gio", i);
        GFile *f = g_file_new_for_path(p);
        char *buf = g_malloc(expect_size(i));
        fill(buf, expect_size(i), i);
        GBytes *b = g_bytes_new_take(buf, expect_size(i));
        g_file_replace_contents_bytes_async(f, b, NULL, FALSE, G_FILE_CREATE_NONE, NULL, replace_done,
                                            GINT_TO_POINTER(i));
        g_bytes_unref(b);
        g_object_unref(f);
        g_free(p);
        pending++;
    }
    g_main_loop_run(loop);

    GThreadPool *pool = g_thread_pool_new(pool_job, NULL, 3, FALSE, NULL);
    for (int i = 0; i < N; i++) g_thread_pool_push(pool, GINT_TO_POINTER(i + 1), NULL);
    g_thread_pool_free(pool, FALSE, TRUE);
    for (int i = 0; i < N; i++) {
        char *p = path_of("pool", i);
        check_size("pool", p, expect_size(i));
        g_free(p);
    }
    printf("glib: %d files each of set, task, gio, pool checked\n", N);
    return 0;
}
