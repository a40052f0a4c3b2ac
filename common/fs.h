/* File helpers. Writes that other processes may read are atomic: a temp file
 * in the same directory, fsync, rename, fsync of the directory. */
#ifndef SKIFF_COMMON_FS_H
#define SKIFF_COMMON_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* write(2) until all of data is written (EINTR retried): 0, or -1 with errno. */
int sk_write_all(int fd, const void *data, size_t len);
/* mkdir -p; existing directories are fine. */
int sk_mkdir_p(const char *path, mode_t mode, struct sk_error *err);
/* Write data to path atomically (temp + rename), with the given mode. */
int sk_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         struct sk_error *err);
/* The same without fsync: atomic for readers and against a killed process
 * (the old or the new content, never a mix), durability left to the file
 * system (ext4 flushes data replaced by rename before the rename commits).
 * For small records rewritten often, where an fsync costs more than the work. */
int sk_write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
                          struct sk_error *err);
/* Read a whole file; *ret_data is NUL-terminated (the NUL is not counted). */
/* Up to size - 1 bytes of a small file (a /proc one) into buf, NUL-ended,
 * with no allocation: the length, or -1 (errno set; an empty file is -1 too). */
ssize_t sk_read_small(const char *path, char *buf, size_t size);
int sk_read_file(const char *path, char **ret_data, size_t *ret_len, struct sk_error *err);
/* The same for path relative to dirfd. */
int sk_read_file_at(int dirfd, const char *path, char **ret_data, size_t *ret_len,
                    struct sk_error *err);
/* rm -rf relative to dirfd (AT_FDCWD for a path); never follows symlinks, never
 * crosses into another mount. A missing path is fine. Makes read-only
 * directories writable as needed. */
int sk_rm_rf_at(int dirfd, const char *path, struct sk_error *err);
int sk_rm_rf(const char *path, struct sk_error *err);
/* chown -R path to uid:gid: never follows symlinks (they are chowned
 * themselves), never crosses into another mount (a mount point below path
 * and what is under it keep their owners). Entries already owned so are left
 * alone, so a second call changes nothing. */
int sk_chown_tree(const char *path, uid_t uid, gid_t gid, struct sk_error *err);
/* fsync the directory holding path (or path itself if it is a directory). */
int sk_fsync_dir(const char *dir);
/* 1 if path exists (lstat), 0 if not. */
int sk_path_exists(const char *path);

#endif
