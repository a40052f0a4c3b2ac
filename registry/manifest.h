/* Manifests as the OCI image spec and Docker's schema2 define them: image
 * manifests (config + layers) and indexes / manifest lists (per platform).
 * Docker schema1 and unknown media types are rejected with a clear error. */
#ifndef SKIFF_REGISTRY_MANIFEST_H
#define SKIFF_REGISTRY_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/error.h"

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

/* The Accept header a pull sends. */
#define REGISTRY_MANIFEST_ACCEPT                                                                   \
    MT_OCI_INDEX ", " MT_OCI_MANIFEST ", " MT_DOCKER_LIST ", " MT_DOCKER_MANIFEST

/* Largest manifest we read into memory (the distribution spec suggests 4 MiB). */
#define REGISTRY_MANIFEST_MAX (4 * 1024 * 1024)

struct registry_platform {
    char *os;
    char *architecture;
    char *variant;
};

struct registry_descriptor {
    char *media_type;
    char digest[SK_DIGEST_MAX];
    int64_t size;
    struct registry_platform platform; /* index entries only */
};

enum registry_manifest_kind { REGISTRY_MANIFEST_IMAGE, REGISTRY_MANIFEST_INDEX };

struct registry_manifest {
    enum registry_manifest_kind kind;
    char *media_type;
    struct registry_descriptor config;     /* image */
    struct registry_descriptor *layers;    /* image */
    size_t nlayers;
    struct registry_descriptor *manifests; /* index */
    size_t nmanifests;
};

/* content_type: the HTTP Content-Type (may be NULL); the body's mediaType wins. */
int registry_manifest_parse(const char *body, size_t len, const char *content_type,
                            struct registry_manifest *ret, struct sk_error *err);
void registry_manifest_clear(struct registry_manifest *m);
#define _cleanup_manifest_ __attribute__((cleanup(registry_manifest_clear)))

/* Parse "os/arch[/variant]"; NULL or "" means the host's platform. */
int registry_platform_parse(const char *s, struct registry_platform *ret, struct sk_error *err);
void registry_platform_clear(struct registry_platform *p);
/* "linux/amd64", "linux/arm64/v8". */
char *registry_platform_string(const struct registry_platform *p);

/* Pick the index entry for the wanted platform. */
int registry_index_select(const struct registry_manifest *index,
                          const struct registry_platform *want,
                          const struct registry_descriptor **ret, struct sk_error *err);

/* Layer compression from its media type: 0 none, 1 gzip, 2 zstd; -1 unsupported. */
int registry_layer_compression(const char *media_type);

#endif
