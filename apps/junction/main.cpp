// The junction executable: everything lives in the node module.
#include "node/cli.hpp"

int main(int argc, char** argv) {
  return junction::node::run_cli(argc, argv);
}
