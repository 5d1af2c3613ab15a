// node/node_key: the node's Ed25519 key pair (libsodium), kept in the node directory as Crossbar
// does: key.priv (mode 0600, secret) and key.pub, "tag: value" lines with the keys in hex.
#pragma once

#include <filesystem>
#include <string>

namespace junction::node {

struct NodeKey {
  std::string public_hex;  // 32 bytes, 64 hex digits
};

// Creates key.priv and key.pub in `dir`. Throws std::runtime_error when either exists (a node
// key is never replaced) or cannot be written.
NodeKey generate_node_key(const std::filesystem::path& dir);

// Reads key.priv, checks that its public key derives from its private key (and matches key.pub
// when that exists). Throws std::runtime_error naming the file and the problem.
NodeKey load_node_key(const std::filesystem::path& dir);

}  // namespace junction::node
