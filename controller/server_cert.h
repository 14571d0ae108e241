/* server_cert.h - the controller's CURVE certificate in its data directory.
 *
 * Files (czmq zcert format): DIR/server.cert holds the public key,
 * DIR/server.cert_secret (mode 0600) both keys; DIR/server.pub holds the
 * Z85 public key and a newline, for agents (--controller-key). Agents trust
 * exactly this key, so a new one locks every agent out until each is given
 * the new server.pub: a key is made only at first start, when neither
 * certificate file exists. Main thread, at start-up.
 */
#ifndef TENET_SERVER_CERT_H
#define TENET_SERVER_CERT_H

#include <czmq.h>

/* Loads the certificate from dir, or creates it when neither server.cert
 * nor server.cert_secret exists (each written to a temporary file and
 * renamed; the secret 0600). The secret file decides: a missing or
 * damaged public file is rewritten from it (logged). Refused, with a
 * message naming the file to restore: server.cert without
 * server.cert_secret; a secret file that does not parse, lacks a key or
 * holds a secret key whose public key (crypto_scalarmult_base) is not the
 * one beside it; a public file naming another key. Writes server.pub.
 * Returns the certificate (caller destroys) or NULL (logged). */
zcert_t *server_cert_load(const char *dir);

#endif
