/* server_cert.c - the controller's CURVE certificate (see server_cert.h). */
#include "server_cert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fsutil.h"
#include "log.h"

#define SC_KEY_BYTES 32 /* CURVE key */
#define SC_Z85_LEN   40 /* Z85 text of a key */

/* The three paths in the data directory. */
struct sc_paths {
	char pub[4096];	   /* server.cert */
	char secret[4096]; /* server.cert_secret */
	char z85[4096];	   /* server.pub */
};

/* Decodes the Z85 key at path in cfg into key; false if absent or malformed. */
static bool sc_key(zconfig_t *cfg, const char *path, uint8_t key[SC_KEY_BYTES])
{
	const char *txt = cfg ? zconfig_get(cfg, path, NULL) : NULL;

	return txt && strlen(txt) == SC_Z85_LEN && zmq_z85_decode(key, txt) != NULL;
}

/* Writes cert's secret file (0600) or public file to path, atomically. */
static int sc_save(zcert_t *cert, const char *path, bool secret)
{
	char tmp[4096 + 8];
	mode_t old;
	int rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	old = umask(secret ? 077 : 022); /* start-up: no other thread creates files */
	rc = secret ? zcert_save_secret(cert, tmp) : zcert_save_public(cert, tmp);
	umask(old);
	if (rc < 0) {
		unlink(tmp);
		return -EIO;
	}
	return fs_commit(tmp, path);
}

/* Writes the Z85 public key and a newline to path (0644), atomically. */
static int sc_save_z85(zcert_t *cert, const char *path)
{
	char line[SC_Z85_LEN + 2];

	snprintf(line, sizeof(line), "%s\n", zcert_public_txt(cert));
	return fs_write_atomic(path, line, strlen(line), 0644);
}

/* First start: a new certificate, secret file first. */
static zcert_t *sc_create(const struct sc_paths *p)
{
	zcert_t *cert = zcert_new();

	if (!cert || sc_save(cert, p->secret, true) < 0 || sc_save(cert, p->pub, false) < 0) {
		log_err("cannot create the server certificate path=%s", p->pub);
		zcert_destroy(&cert);
		return NULL;
	}
	log_info("server certificate created path=%s", p->pub);
	return cert;
}

/* Loads the secret file; checks it against itself and the public file. */
static zcert_t *sc_load(const struct sc_paths *p)
{
	uint8_t pub[SC_KEY_BYTES], sec[SC_KEY_BYTES], derived[SC_KEY_BYTES], other[SC_KEY_BYTES];
	zconfig_t *cfg = zconfig_load(p->secret);
	zconfig_t *pcfg = NULL;
	zcert_t *cert = NULL;
	bool ok;

	ok = sc_key(cfg, "/curve/public-key", pub) && sc_key(cfg, "/curve/secret-key", sec);
	if (ok)
		ok = crypto_scalarmult_base(derived, sec) == 0 &&
		     sodium_memcmp(derived, pub, sizeof(pub)) == 0;
	zconfig_destroy(&cfg);
	if (!ok) {
		log_err("server secret key is damaged path=%s (truncated, or not the key pair "
			"of a czmq certificate): restore it from a backup; agents trust only its "
			"key",
			p->secret);
		goto out;
	}
	if (access(p->pub, F_OK) == 0) {
		pcfg = zconfig_load(p->pub);
		if (sc_key(pcfg, "/curve/public-key", other) &&
		    sodium_memcmp(other, pub, sizeof(pub)) != 0) {
			log_err("server certificate names another key than its secret file "
				"path=%s secret=%s: restore the pair from one backup",
				p->pub, p->secret);
			goto out;
		}
	}
	cert = zcert_new_from(pub, sec);
	if (cert && !sc_key(pcfg, "/curve/public-key", other)) {
		log_warn("server certificate missing or damaged path=%s: rewritten from %s", p->pub,
			 p->secret);
		if (sc_save(cert, p->pub, false) < 0) {
			log_err("cannot write path=%s", p->pub);
			zcert_destroy(&cert);
		}
	}
out:
	zconfig_destroy(&pcfg);
	sodium_memzero(sec, sizeof(sec));
	return cert;
}

zcert_t *server_cert_load(const char *dir)
{
	struct sc_paths p;
	bool have_pub, have_secret;
	zcert_t *cert;

	if (!dir)
		return NULL;
	snprintf(p.pub, sizeof(p.pub), "%s/server.cert", dir);
	snprintf(p.secret, sizeof(p.secret), "%s/server.cert_secret", dir);
	snprintf(p.z85, sizeof(p.z85), "%s/server.pub", dir);
	have_pub = access(p.pub, F_OK) == 0;
	have_secret = access(p.secret, F_OK) == 0;
	if (!have_pub && !have_secret) {
		cert = sc_create(&p);
	} else if (!have_secret) {
		log_err("server secret key missing path=%s (server.cert is there): restore it "
			"from a backup; a new key would lock out every agent (to make one anyway, "
			"remove server.cert too and give every agent the new server.pub)",
			p.secret);
		return NULL;
	} else {
		cert = sc_load(&p);
	}
	if (cert && sc_save_z85(cert, p.z85) < 0) {
		log_err("cannot write path=%s", p.z85);
		zcert_destroy(&cert);
	}
	return cert;
}
