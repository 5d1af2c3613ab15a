// node/cli: the `junction` command line (start, check, version, help).
#pragma once

namespace junction::node {

// Runs the command line; returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace junction::node
