// client/session: one WAMP session (client side) over a Transport: joining a realm, the four
// roles (caller, callee, publisher, subscriber) with their advanced options, cancellation,
// leaving. Every asynchronous operation takes an Asio completion token, `asio::use_awaitable` by
// default, so the natural style is C++20 coroutines:
//
//   auto session = co_await Session::connect(io, "ws://127.0.0.1:8080/ws", "realm1");
//   auto result = co_await session->call("com.example.add", {2, 3});
//
// A plain callback `void(std::exception_ptr, T)` works as well (the lean style the benchmark
// uses), as does `asio::use_future`. Failures are client::Error (router ERROR/ABORT: URI, args,
// kwargs). A pending operation is cancelled through Asio's per-operation cancellation (e.g.
// `co_await (session->call(...) || timer.async_wait(use_awaitable))`), which for a call sends
// CANCEL to the router.
//
// Threading: a Session is not thread-safe. Use it from the thread that runs its io_context (or
// from one strand); handlers are called there. Handlers are never called from inside the call
// that started the operation.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "client/error.hpp"
#include "client/transport.hpp"
#include "client/types.hpp"
#include "client/unique_function.hpp"

namespace junction::client {

class Session;
namespace detail {
class Authentication;
}

// What a callee's handler gets: the call's arguments, details, and a way to send progressive
// results while it runs.
class Invocation : public Payload {
 public:
  wamp::Id request() const { return request_; }
  wamp::Id registration() const { return registration_; }
  const std::string& procedure() const { return *procedure_; }
  const wamp::Object& details() const { return details_; }
  // The caller's session id, when disclosed.
  std::optional<wamp::Id> caller() const;
  // The caller asked for progressive results (receive_progress).
  bool progressive() const { return progressive_; }
  // Sends a progressive result (YIELD with progress: true). Ignored when !progressive().
  void progress(wamp::Array args, wamp::Object kwargs = {}) const;
  void progress_raw(wamp::PayloadPtr payload) const;
  // The router sent INTERRUPT for this call (the caller cancelled it).
  bool interrupted() const { return *interrupted_; }

 private:
  friend class Session;
  std::weak_ptr<Session> session_;
  wamp::Id request_ = 0;
  wamp::Id registration_ = 0;
  std::shared_ptr<const std::string> procedure_;
  wamp::Object details_;
  bool progressive_ = false;
  std::shared_ptr<bool> interrupted_ = std::make_shared<bool>(false);
};

// A callee's handler: returns the result, or throws client::Error (sent as ERROR with its URI,
// args and kwargs; any other exception becomes wamp.error.runtime_error).
using CallHandler = std::function<Result(Invocation&)>;
// The same as a coroutine. An INTERRUPT cancels it (Asio cancellation of what it awaits).
using AsyncCallHandler = std::function<boost::asio::awaitable<Result>(Invocation)>;
using EventHandler = std::function<void(const Event&)>;

class Session final : public TransportHandler, public std::enable_shared_from_this<Session> {
  template <typename T>
  using Completion = detail::UniqueFunction<void(std::exception_ptr, T)>;
  using VoidCompletion = detail::UniqueFunction<void(std::exception_ptr)>;
  using DefaultToken = boost::asio::use_awaitable_t<>;

 public:
  // Connects to `url` ("ws://host:port/path", "rs://host:port", "unix:///path/to.sock": see
  // connect_transport), joins `realm`. Completes with std::shared_ptr<Session>.
  template <typename Token = DefaultToken>
  static auto connect(boost::asio::any_io_executor executor, std::string url, std::string realm,
                      ConnectOptions options = {}, Token token = {}) {
    return boost::asio::co_spawn(
        executor, connect_impl(executor, std::move(url), std::move(realm), std::move(options)),
        std::move(token));
  }
  template <typename Token = DefaultToken>
  static auto connect(boost::asio::io_context& io, std::string url, std::string realm,
                      ConnectOptions options = {}, Token token = {}) {
    return connect(io.get_executor(), std::move(url), std::move(realm), std::move(options),
                   std::move(token));
  }
  // Joins `realm` over an already open transport (custom transports, tests).
  template <typename Token = DefaultToken>
  static auto join(boost::asio::any_io_executor executor, std::shared_ptr<Transport> transport,
                   std::string realm, ConnectOptions options = {}, Token token = {}) {
    return boost::asio::co_spawn(
        executor, join_impl(executor, std::move(transport), std::move(realm), std::move(options)),
        std::move(token));
  }

  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  wamp::Id id() const { return id_; }
  const std::string& realm() const { return realm_; }
  const wamp::Object& welcome_details() const { return welcome_details_; }
  bool is_joined() const { return state_ == State::established; }
  const wamp::Codec& codec() const { return transport_->codec(); }
  Transport& transport() const { return *transport_; }
  boost::asio::any_io_executor executor() const { return executor_; }
  // Does the router announce `feature` for `role` ("dealer", "call_canceling")?
  bool router_has_feature(std::string_view role, std::string_view feature) const;
  // Builds a payload in this session's serializer (for pre-encoding hot-path messages once).
  wamp::PayloadPtr make_payload(const wamp::Array& args, const wamp::Object& kwargs = {}) const;

  // Called once when the session ends (GOODBYE, ABORT, lost transport), with the reason.
  void on_close(std::function<void(const std::string& reason)> handler) {
    on_close_ = std::move(handler);
  }

  // ---- caller: completes with Result ----
  template <typename Token = DefaultToken>
  auto call(std::string procedure, wamp::Array args = {}, wamp::Object kwargs = {},
            CallOptions options = {}, Token token = {}) {
    auto payload = make_payload(args, kwargs);
    return call_raw(std::move(procedure), std::move(payload), std::move(options), std::move(token));
  }
  template <typename Token = DefaultToken>
  auto call_raw(std::string procedure, wamp::PayloadPtr payload, CallOptions options = {},
                Token token = {}) {
    return boost::asio::async_initiate<Token, void(std::exception_ptr, Result)>(
        [this](auto handler, std::string procedure, wamp::PayloadPtr payload, CallOptions options) {
          auto slot = boost::asio::get_associated_cancellation_slot(handler);
          const wamp::Id request = start_call(procedure, std::move(payload), std::move(options),
                                              with_slot<Result>(std::move(handler)));
          if (request != 0 && slot.is_connected()) {
            slot.assign([weak = weak_from_this(), request](boost::asio::cancellation_type) {
              if (auto self = weak.lock()) self->cancel_call(request);
            });
          }
        },
        token, std::move(procedure), std::move(payload), std::move(options));
  }

  // ---- callee: completes with Registration ----
  template <typename Token = DefaultToken>
  auto provide(std::string procedure, CallHandler handler, RegisterOptions options = {},
               Token token = {}) {
    return boost::asio::async_initiate<Token, void(std::exception_ptr, Registration)>(
        [this](auto done, std::string procedure, CallHandler handler, RegisterOptions options) {
          start_register(std::move(procedure), std::move(handler), nullptr, std::move(options),
                         Completion<Registration>(std::move(done)));
        },
        token, std::move(procedure), std::move(handler), std::move(options));
  }
  template <typename Token = DefaultToken>
  auto provide_async(std::string procedure, AsyncCallHandler handler, RegisterOptions options = {},
                     Token token = {}) {
    return boost::asio::async_initiate<Token, void(std::exception_ptr, Registration)>(
        [this](auto done, std::string procedure, AsyncCallHandler handler,
               RegisterOptions options) {
          start_register(std::move(procedure), nullptr, std::move(handler), std::move(options),
                         Completion<Registration>(std::move(done)));
        },
        token, std::move(procedure), std::move(handler), std::move(options));
  }
  template <typename Token = DefaultToken>
  auto unregister(Registration registration, Token token = {}) {
    return boost::asio::async_initiate<Token, void(std::exception_ptr)>(
        [this](auto done, Registration registration) {
          start_unregister(registration, VoidCompletion(std::move(done)));
        },
        token, std::move(registration));
  }

  // ---- publisher: completes with the publication id (0 unless acknowledged) ----
  template <typename Token = DefaultToken>
  auto publish(std::string topic, wamp::Array args = {}, wamp::Object kwargs = {},
               PublishOptions options = {}, Token token = {}) {
    auto payload = make_payload(args, kwargs);
    return publish_raw(std::move(topic), std::move(payload), std::move(options), std::move(token));
  }
  template <typename Token = DefaultToken>
  auto publish_raw(std::string topic, wamp::PayloadPtr payload, PublishOptions options = {},
                   Token token = {}) {
    return boost::asio::async_initiate<Token, void(std::exception_ptr, wamp::Id)>(
        [this](auto done, std::string topic, wamp::PayloadPtr payload, PublishOptions options) {
          start_publish(topic, std::move(payload), options, Completion<wamp::Id>(std::move(done)));
        },
        token, std::move(topic), std::move(payload), std::move(options));
  }
  // Fire and forget: no completion, no acknowledgement (the hot path of a publisher). Returns
  // false when the session is not joined.
  bool publish_nowait(std::string_view topic, const wamp::PayloadPtr& payload,
                      const PublishOptions& options = {});

  // ---- subscriber: completes with Subscription ----
  template <typename Token = DefaultToken>
  auto subscribe(std::string topic, EventHandler handler, SubscribeOptions options = {},
                 Token token = {}) {
    return boost::asio::async_initiate<Token, void(std::exception_ptr, Subscription)>(
        [this](auto done, std::string topic, EventHandler handler, SubscribeOptions options) {
          start_subscribe(std::move(topic), std::move(handler), std::move(options),
                          Completion<Subscription>(std::move(done)));
        },
        token, std::move(topic), std::move(handler), std::move(options));
  }
  template <typename Token = DefaultToken>
  auto unsubscribe(Subscription subscription, Token token = {}) {
    return boost::asio::async_initiate<Token, void(std::exception_ptr)>(
        [this](auto done, Subscription subscription) {
          start_unsubscribe(subscription, VoidCompletion(std::move(done)));
        },
        token, std::move(subscription));
  }

  // ---- leaving: GOODBYE, wait for the router's GOODBYE, close the transport. Completes with
  // the router's reason. ----
  template <typename Token = DefaultToken>
  auto leave(std::string reason = "wamp.close.close_realm", Token token = {}) {
    return boost::asio::async_initiate<Token, void(std::exception_ptr, std::string)>(
        [this](auto done, std::string reason) {
          start_leave(std::move(reason), Completion<std::string>(std::move(done)));
        },
        token, std::move(reason));
  }
  // Closes the transport without GOODBYE; pending operations fail with errors::disconnected.
  void close();

  // Cancels a pending call by its request id (what the cancellation slot does).
  void cancel_call(wamp::Id request, std::optional<CancelMode> mode = std::nullopt);

  // TransportHandler
  void on_message(std::string_view bytes) override;
  void on_close(std::string reason) override;

 private:
  enum class State { joining, established, closing, closed };

  Session(boost::asio::any_io_executor executor, std::shared_ptr<Transport> transport);

  static boost::asio::awaitable<std::shared_ptr<Session>> connect_impl(
      boost::asio::any_io_executor executor, std::string url, std::string realm,
      ConnectOptions options);
  static boost::asio::awaitable<std::shared_ptr<Session>> join_impl(
      boost::asio::any_io_executor executor, std::shared_ptr<Transport> transport,
      std::string realm, ConnectOptions options);

  // Wraps an Asio handler: clears its cancellation slot before it runs.
  template <typename T, typename Handler>
  static Completion<T> with_slot(Handler&& handler) {
    auto slot = boost::asio::get_associated_cancellation_slot(handler);
    return Completion<T>(
        [h = std::forward<Handler>(handler), slot](std::exception_ptr e, T value) mutable {
          if (slot.is_connected()) slot.clear();
          std::move(h)(e, std::move(value));
        });
  }

  void start_join(std::string realm, const ConnectOptions& options, VoidCompletion done);
  wamp::Id start_call(const std::string& procedure, wamp::PayloadPtr payload, CallOptions options,
                      Completion<Result> done);
  void start_register(std::string procedure, CallHandler handler, AsyncCallHandler async_handler,
                      RegisterOptions options, Completion<Registration> done);
  void start_unregister(const Registration& registration, VoidCompletion done);
  void start_publish(const std::string& topic, wamp::PayloadPtr payload,
                     const PublishOptions& options, Completion<wamp::Id> done);
  void start_subscribe(std::string topic, EventHandler handler, SubscribeOptions options,
                       Completion<Subscription> done);
  void start_unsubscribe(const Subscription& subscription, VoidCompletion done);
  void start_leave(std::string reason, Completion<std::string> done);

  wamp::Id next_request();
  void send(const wamp::Message& message);
  // Completes `done` on the next turn of the loop (never inside the initiating call).
  template <typename T>
  void post_result(Completion<T> done, std::exception_ptr error, T value);
  void post_error(VoidCompletion done, std::exception_ptr error);
  std::exception_ptr not_joined_error() const;

  void handle_challenge(wamp::Message& message);
  void send_authenticate(const std::string& signature);
  // Ends a join whose authentication failed: ABORT to the router when `error` is the client's
  // own refusal, close, complete connect() with `error` (made a client::Error).
  void fail_authentication(std::exception_ptr error);
  void handle_welcome(wamp::Message& message);
  void handle_abort(wamp::Message& message);
  void handle_goodbye(wamp::Message& message);
  void handle_error(wamp::Message& message);
  void handle_result(wamp::Message& message);
  void handle_event(wamp::Message& message);
  void handle_invocation(wamp::Message& message);
  void handle_interrupt(wamp::Message& message);
  void protocol_violation(std::string why);
  void yield_result(wamp::Id request, const Result& result);
  void yield_error(wamp::Id request, std::exception_ptr error);
  void fail_everything(const std::string& reason);

  boost::asio::any_io_executor executor_;
  std::shared_ptr<Transport> transport_;
  State state_ = State::joining;
  wamp::Id id_ = 0;
  std::string realm_;
  wamp::Object welcome_details_;
  wamp::Id last_request_ = 0;
  std::string scratch_;  // encoding buffer, reused for every message
  std::function<void(const std::string&)> on_close_;
  bool closed_notified_ = false;

  VoidCompletion join_done_;
  std::unique_ptr<detail::Authentication> auth_;  // while joining
  bool deriving_key_ = false;                     // an answer is being computed off-thread
  Completion<std::string> leave_done_;

  struct PendingCall {
    Completion<Result> done;
    std::function<void(const Result&)> on_progress;
    std::unique_ptr<boost::asio::steady_timer> timer;
    CancelMode cancel_mode = CancelMode::killnowait;
  };
  struct PendingSubscribe {
    std::string topic;
    EventHandler handler;
    Completion<Subscription> done;
  };
  struct PendingRegister {
    std::string procedure;
    CallHandler handler;
    AsyncCallHandler async_handler;
    Completion<Registration> done;
  };
  struct SubscriptionState {
    std::string topic;
    std::vector<std::pair<std::uint64_t, EventHandler>> handlers;
  };
  struct RegistrationState {
    std::shared_ptr<const std::string> procedure;
    CallHandler handler;
    AsyncCallHandler async_handler;
  };
  struct RunningInvocation {
    std::shared_ptr<bool> interrupted;
    std::shared_ptr<boost::asio::cancellation_signal> signal;
  };
  std::unordered_map<wamp::Id, PendingCall> calls_;
  std::unordered_map<wamp::Id, PendingSubscribe> subscribing_;
  std::unordered_map<wamp::Id, VoidCompletion> unsubscribing_;
  std::unordered_map<wamp::Id, PendingRegister> registering_;
  std::unordered_map<wamp::Id, VoidCompletion> unregistering_;
  std::unordered_map<wamp::Id, Completion<wamp::Id>> publishing_;
  std::unordered_map<wamp::Id, SubscriptionState> subscriptions_;
  std::unordered_map<wamp::Id, RegistrationState> registrations_;
  std::unordered_map<wamp::Id, RunningInvocation> invocations_;
  std::uint64_t next_handler_ = 0;
  friend class Invocation;
};

}  // namespace junction::client
