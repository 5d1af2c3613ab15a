// node/cli_args: the command line's grammar on CLI11 (Debian libcli11-dev): commands, their
// options, help per command, and usage errors in words a user can act on. The only file that
// includes CLI11 (a heavy header-only library): keep it that way, compile time matters.
#include "node/cli_args.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <string_view>

#include <CLI/CLI.hpp>

namespace junction::node::detail {

namespace {

constexpr std::string_view kCommands[] = {"init",    "start",  "stop", "restart", "status", "check",
                                          "convert", "keygen", "keys", "version", "help"};

bool is_command(std::string_view name) {
  return std::find(std::begin(kCommands), std::end(kCommands), name) != std::end(kCommands);
}

// Crossbar's options and commands that Junction does not have: refused by name ("not supported
// yet") rather than as unknown, so a Crossbar user knows the flag was understood. An empty command
// is the top level (`crossbar --debug-lifecycle start`).
struct CrossbarOnlyOption {
  std::string_view command;
  std::string_view option;
};
constexpr CrossbarOnlyOption kCrossbarOnlyOptions[] = {
    {"start", "--color"},           {"start", "--logdir"},      {"start", "--shutdownafter"},
    {"start", "--vmprof"},          {"restart", "--color"},     {"restart", "--logdir"},
    {"restart", "--shutdownafter"}, {"restart", "--vmprof"},    {"keys", "--private"},
    {"", "--debug-lifecycle"},      {"", "--debug-programflow"}};
constexpr std::string_view kCrossbarOnlyCommands[] = {"upgrade", "legal"};

std::string in_quotes(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// "--name=value" → "--name"; anything else unchanged.
std::string option_name(const std::string& arg) {
  if (arg.starts_with("--")) {
    if (auto eq = arg.find('='); eq != std::string::npos) return arg.substr(0, eq);
  }
  return arg;
}

// The first argument nobody took (CLI11 keeps them because every level allows extras), as a
// usage error naming the command it was given to.
[[noreturn]] void refuse_extra(const std::string& arg, const std::string& command) {
  const std::string name = option_name(arg);
  for (const auto& unsupported : kCrossbarOnlyOptions) {
    if (unsupported.command == command && unsupported.option == name) {
      throw UsageError("option " + in_quotes(name) + " of crossbar " +
                           (command.empty() ? "" : command + " ") + "is not supported yet",
                       command);
    }
  }
  if (command.empty()) {
    if (name.starts_with("-")) throw UsageError("unknown option " + in_quotes(name));
    for (auto unsupported : kCrossbarOnlyCommands) {
      if (unsupported == name) {
        throw UsageError("command " + in_quotes(name) + " of crossbar is not supported yet");
      }
    }
    throw UsageError("unknown command " + in_quotes(name));
  }
  if (name.starts_with("-")) {
    throw UsageError("unknown option " + in_quotes(name) + " for " + in_quotes(command), command);
  }
  throw UsageError("unexpected argument " + in_quotes(arg) + " for " + in_quotes(command), command);
}

std::string nonempty(std::string_view option, const std::string& value) {
  if (value.empty()) throw UsageError("option " + in_quotes(option) + " needs a value");
  return value;
}

// The whole grammar. Option callbacks fill `out` and throw UsageError (with our wording) for a
// bad value; CLI11 only catches its own ValidationError, so ours leaves parse() as it is.
std::unique_ptr<CLI::App> make_app(CliArgs& out) {
  auto app = std::make_unique<CLI::App>(
      "Junction: a WAMP router that runs Crossbar.io node directories.", "junction");
  // Given twice, the last wins (as with Crossbar's argparse).
  app->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app->set_help_flag("-h,--help", "print this help; after a command, that command's help");
  // Every level keeps what it does not know; refuse_extra() words the error.
  app->allow_extras();
  // One command at a time: a second command name is an unexpected argument of the first.
  app->require_subcommand(0, 1);
  auto formatter = app->get_formatter();
  formatter->column_width(24);
  formatter->label("SUBCOMMAND", "COMMAND");
  formatter->label("OPTIONS", "options");
  app->add_flag_callback(
      "--version", [&out] { out.command = "version"; },
      "print the versions of Junction and its libraries");

  auto command = [&](const char* name, const char* description) {
    CLI::App* sub = app->add_subcommand(name, description);
    sub->group("Commands");
    sub->set_help_flag("-h,--help", "print this help");
    sub->allow_extras();
    return sub;
  };
  auto cbdir = [&out](CLI::App* sub) {
    sub->add_option_function<std::string>(
           "--cbdir", [&out](const std::string& v) { out.cbdir = nonempty("--cbdir", v); },
           "node directory (default: $JUNCTION_DIR, $CROSSBAR_DIR,\n"
           "./.junction, ./.crossbar; the first that is set or exists)")
        ->type_name("DIR");
  };
  // --config, --loglevel and --threads: the commands that load the config.
  auto config_options = [&out, &cbdir](CLI::App* sub) {
    sub->footer("Config reference: docs/configuration.md");
    cbdir(sub);
    sub->add_option_function<std::string>(
           "--config", [&out](const std::string& v) { out.config = nonempty("--config", v); },
           "config file (.json, .yaml, .yml): absolute, or relative to\n"
           "--cbdir when given, else to the current directory; default\n"
           "config.json, config.yaml or config.yml in the node directory")
        ->type_name("FILE");
    sub->add_option_function<std::string>(
           "--loglevel",
           [&out](const std::string& v) {
             auto level = v == "critical" ? std::optional(log::Level::error) : log::parse_level(v);
             if (!level) {
               throw UsageError("unknown log level " + in_quotes(v) +
                                " (expected trace, debug, info, warn or error)");
             }
             out.loglevel = level;
           },
           "trace, debug, info (default), warn, error or none")
        ->type_name("LEVEL");
    sub->add_option_function<std::string>(
           "--threads",
           [&out](const std::string& v) {
             out.threads = parse_thread_count(v);
             if (!out.threads) {
               throw UsageError("bad thread count " + in_quotes(v) + " (expected 1..256 or auto)");
             }
           },
           "I/O threads: 1..256, or auto (one per core); overrides\n"
           "$JUNCTION_IO_THREADS and the router worker's options.io_threads;\n"
           "default 1. Routing itself always runs on one thread.")
        ->type_name("N");
  };
  // --logformat and --logtofile: the commands that run a node.
  auto log_options = [&out](CLI::App* sub) {
    sub->add_option_function<std::string>(
           "--logformat",
           [&out](const std::string& v) {
             if (v != "text" && v != "json") {
               throw UsageError("--logformat takes text or json, not " + in_quotes(v));
             }
             out.logformat = v == "json" ? log::Format::json : log::Format::text;
           },
           "text (default) or json: one JSON object a line")
        ->type_name("FORMAT");
    sub->add_flag_callback(
           "--logtofile", [&out] { out.logtofile = true; },
           "log to node.log in the node directory instead of stderr")
        ->disable_flag_override();
  };

  auto* init = command("init", "create a node directory and an application from a template");
  init->add_option_function<std::string>(
          "--appdir", [&out](const std::string& v) { out.appdir = nonempty("--appdir", v); },
          "where to create it (default: the current directory)")
      ->type_name("DIR");
  init->add_option_function<std::string>(
          "--template",
          [&out](const std::string& v) { out.template_name = nonempty("--template", v); },
          "default (a node and a web page), python (plus a Python\n"
          "component), browser (plus an AutobahnJS page that calls it)\n"
          "or cpp (plus a C++ component on Junction's client library)")
      ->type_name("NAME");

  auto* start = command("start", "start the node (the embedded default config when none is found)");
  config_options(start);
  log_options(start);

  cbdir(command("stop", "stop the node running from the node directory (SIGTERM, then wait)"));

  auto* restart =
      command("restart", "stop the node running from the node directory (if any), then start");
  config_options(restart);
  log_options(restart);

  auto* status = command("status", "say whether a node runs from the node directory");
  cbdir(status);
  status
      ->add_option_function<std::string>(
          "--assert",
          [&out](const std::string& v) {
            if (v != "running" && v != "stopped") {
              throw UsageError("--assert takes running or stopped, not " + in_quotes(v));
            }
            out.assert_state = v;
          },
          "running or stopped: exit 0 only when it holds, else 1")
      ->type_name("STATE");

  config_options(
      command("check", "validate the node config: print \"config OK: <file>\" or the error"));
  config_options(
      command("convert", "write config.json as config.yaml beside it, or YAML as config.json"));
  cbdir(
      command("keygen", "create the node's Ed25519 key (key.priv, key.pub) in the node directory"));
  cbdir(command("keys", "print the node's public key (and check key.priv against it)"));
  command("version", "print the versions of Junction and its libraries");
  command("help", "print this help, or a command's: junction help <command>")
      ->add_option("command", out.help_topic, "the command to explain")
      ->type_name("COMMAND");
  // Set last: subcommands would inherit it.
  app->footer(
      "Run 'junction <command> --help' for a command's options.\n"
      "The node directory: --cbdir, else $JUNCTION_DIR, then $CROSSBAR_DIR, then ./.junction,\n"
      "then ./.crossbar (whichever exists first). Config reference: docs/configuration.md");
  return app;
}

// CLI11's own words for the errors it finds itself, made ours where they would puzzle a user.
std::string explain(const CLI::ParseError& e, const CLI::App& app) {
  const std::string what = e.what();
  for (const CLI::App* sub : app.get_subcommands({})) {
    for (const CLI::Option* opt : sub->get_options()) {
      const std::string name = opt->get_name();
      if (name.empty()) continue;
      // CLI11 names a flag without its dashes here.
      if (what ==
          name.substr(name.find_first_not_of('-')) + " was given a disallowed flag override") {
        return "option " + in_quotes(name) + " takes no value";
      }
      if (!what.starts_with(name + ":")) continue;
      if (what.find(" required ") != std::string::npos && what.ends_with(" missing")) {
        return "option " + in_quotes(name) + " needs a value";
      }
    }
  }
  return what;
}

}  // namespace

CliArgs parse_args(const std::vector<std::string>& args) {
  CliArgs out;
  if (args.empty()) throw UsageError("no command given");
  auto app = make_app(out);
  auto chosen_command = [&app]() -> std::string {
    const auto chosen = app->get_subcommands();
    return chosen.empty() ? "" : chosen.front()->get_name();
  };
  // CLI11 takes the arguments last first.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app->parse(reversed);
  } catch (const CLI::CallForHelp&) {
    CliArgs help;
    help.command = "help";
    help.help_topic = chosen_command();
    if (help.help_topic == "help") help.help_topic.clear();
    return help;
  } catch (const CLI::ParseError& e) {
    throw UsageError(explain(e, *app), chosen_command());
  } catch (const UsageError& e) {  // a bad value, from an option's callback
    throw UsageError(e.what(), chosen_command());
  }
  if (const auto extra = app->remaining(); !extra.empty()) refuse_extra(extra.front(), "");
  const std::string command = chosen_command();
  if (command.empty()) {
    if (out.command == "version") return out;  // --version
    throw UsageError("no command given");
  }
  if (out.command == "version" && command != "version") {
    throw UsageError("unknown option '--version' for " + in_quotes(command), command);
  }
  out.command = command;
  if (const auto extra = app->get_subcommand(command)->remaining(); !extra.empty()) {
    refuse_extra(extra.front(), command);
  }
  if (command == "help" && !out.help_topic.empty() && !is_command(out.help_topic)) {
    throw UsageError("unknown command " + in_quotes(out.help_topic));
  }
  return out;
}

std::string usage(const std::string& command) {
  CliArgs unused;
  auto app = make_app(unused);
  if (command.empty() || command == "help") return app->help();
  return app->get_subcommand(command)->help("junction");
}

std::optional<std::size_t> parse_thread_count(const std::string& text) {
  if (text == "auto") return 0;
  if (text.empty() || text.size() > 3) return std::nullopt;
  std::size_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  if (n == 0 || n > 256) return std::nullopt;
  return n;
}

}  // namespace junction::node::detail
