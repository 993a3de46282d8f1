// Package pki makes and keeps the certificates of a Kite cluster: a cluster CA, the API
// server's serving certificate and the admin client certificate, and writes the admin
// kubeconfig that carries them.
//
// Files (under the directory given in Config.Dir, normally DATA-DIR/pki):
//
//	ca.crt, ca.key           the cluster CA (ECDSA P-256, valid 10 years)
//	server.crt, server.key   the serving certificate, signed by the CA (1 year)
//	admin.crt, admin.key     the admin client certificate: CN kite-admin,
//	                         O system:masters, signed by the CA (1 year)
//	NAME.crt, NAME.key       a component's client certificate (EnsureClient), e.g.
//	                         controller-manager.crt: CN system:kube-controller-manager
//	sa.key, sa.pub           the key that signs service-account tokens (RSA 2048,
//	                         made once by EnsureServiceAccountKey and kept)
//
// Invariants: keys are written with mode 0600 and every file is replaced atomically
// (write to a temporary file, then rename), so a crash leaves either the old or the new
// file. The CA is made once and never replaced by Ensure: clients trust it, and replacing
// it would silently cut them off, so a CA that cannot be used is an error for the
// operator to resolve. The leaf certificates are derived from the CA and are remade
// whenever they are missing, unreadable, not signed by the CA, due to expire within 30
// days, or (for the serving certificate) carry other SANs than asked for.
//
// The node token (EnsureNodeToken, kept by cmd/kite in DATA-DIR/server/node-token,
// mode 0600, made once) has k3s's shape K10<sha256 of the CA's DER>::node:<secret>: the
// hash lets a joining agent trust the CA it learns from the server's handshake, the
// secret lets the server trust the agent (apiserver/auth.NodeToken). LoadCA hands the CA
// and its key to the controller manager's CSR signer (SignRequest), which issues the
// certificates of joined nodes.
//
// cmd/kite calls Ensure at every start, after locking the data directory, and then
// WriteKubeconfig.
package pki
