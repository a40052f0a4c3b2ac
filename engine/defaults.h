/* Engine defaults, in one place. */
#ifndef SKIFF_ENGINE_DEFAULTS_H
#define SKIFF_ENGINE_DEFAULTS_H

/* Store locations for root; rootless users get XDG dirs (engine_default_paths). */
#define SKIFF_DEFAULT_ROOT "/var/lib/skiff"
#define SKIFF_DEFAULT_RUNROOT "/run/skiff"

/* skiff's own storage.conf (containers-storage.conf subset) and the default driver. */
#define SKIFF_STORAGE_CONF "/etc/skiff/storage.conf"
#define SKIFF_DEFAULT_DRIVER "overlay"

/* Layers downloaded and unpacked at once, like podman's default. */
#define SKIFF_PULL_JOBS 6
/* Parallel file writers inside one layer unpack. */
#define SKIFF_UNPACK_WRITERS 4

#endif
