/* Main Mode's first DH key pair and nonce, made on a helper thread as soon
 * as the session exists. The key pair is the costliest step of connecting
 * on a small CPU (a modp2048 exponentiation, and OpenSSL setting up its
 * default context on first use); it needs nothing from the gateway, only
 * the group we offer first, so it runs while the caller still prepares the
 * data path and while MM1 and MM2 travel. The thread touches nothing but
 * its struct until it is joined. */
#include <string.h>

#include "ike/ike_int.h"
#include "lib/util.h"

static void *keygen_main(void *arg)
{
	struct ike_keygen *k = arg;

	k->nonce_ok = random_bytes(k->nonce, sizeof(k->nonce)) == 0;
	k->dh = ike_dh_new(k->lib, k->group);
	return NULL;
}

void ike_keygen_start(struct ike_keygen *k, OSSL_LIB_CTX *lib, uint16_t group)
{
	memset(k, 0, sizeof(*k));
	k->lib = lib;
	k->group = group;
	/* No thread: mm_send3() makes them itself. */
	k->running = pthread_create(&k->thread, NULL, keygen_main, k) == 0;
}

/* Waits for the thread; hands over the key pair (NULL if it failed) and
 * the nonce. Later calls, and calls without a thread, get nothing. */
struct ike_dh *ike_keygen_take(struct ike_keygen *k, uint16_t *group, uint8_t *nonce,
                               bool *nonce_ok)
{
	struct ike_dh *dh;

	*nonce_ok = false;
	if (!k->running)
		return NULL;
	pthread_join(k->thread, NULL);
	k->running = false;
	dh = k->dh;
	k->dh = NULL;
	*group = k->group;
	if (k->nonce_ok)
		memcpy(nonce, k->nonce, sizeof(k->nonce));
	*nonce_ok = k->nonce_ok;
	secure_clear(k->nonce, sizeof(k->nonce));
	return dh;
}

void ike_keygen_cancel(struct ike_keygen *k)
{
	uint8_t nonce[IKE_NONCE_LEN];
	uint16_t group;
	bool ok;

	ike_dh_free(ike_keygen_take(k, &group, nonce, &ok));
	secure_clear(nonce, sizeof(nonce));
}
