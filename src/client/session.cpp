// client/session: the client's session state machine (joining -> established -> closing ->
// closed), the pending-request tables of every role, and the dispatch of what the router sends.
#include "client/session.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>

#include "base/log.hpp"
#include "client/authentication.hpp"
#include "client/transport.hpp"
#include "wamp/uri.hpp"

namespace junction::client {

namespace asio = boost::asio;
using wamp::Message;
using wamp::MessageType;

namespace {

std::exception_ptr make_error(std::string_view uri, std::string message) {
  return std::make_exception_ptr(
      Error(std::string(uri), wamp::Array{wamp::Value(std::move(message))}));
}

// ERROR / ABORT -> client::Error with the router's URI, args, kwargs, details.
Error error_from(const Message& message) {
  Payload payload(message.payload);
  wamp::Array args;
  wamp::Object kwargs;
  try {
    args = payload.args();
    kwargs = payload.kwargs();
  } catch (const Error&) {
  }
  if (message.type == MessageType::abort && args.empty()) {
    if (const std::string* text = wamp::get_string(message.options, "message"))
      args.emplace_back(*text);
  }
  return Error(message.uri, std::move(args), std::move(kwargs), message.options);
}

wamp::Object hello_roles() {
  using wamp::Object;
  auto features = [](std::initializer_list<const char*> names) {
    Object f;
    for (const char* n : names)
      f.emplace(n, true);
    return Object{{"features", std::move(f)}};
  };
  return Object{
      {"caller", features({"progressive_call_results", "call_canceling", "call_timeout",
                           "caller_identification"})},
      {"callee", features({"progressive_call_results", "call_canceling", "caller_identification"})},
      {"publisher", features({"publisher_exclusion", "subscriber_blackwhite_listing",
                              "publisher_identification"})},
      {"subscriber", features({"publisher_identification"})},
  };
}

wamp::Array id_array(const std::vector<wamp::Id>& ids) {
  wamp::Array a;
  a.reserve(ids.size());
  for (wamp::Id id : ids)
    a.emplace_back(id);
  return a;
}

wamp::Array string_array(const std::vector<std::string>& items) {
  return wamp::Array(items.begin(), items.end());
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Payload, Event, Invocation

Payload::Payload(wamp::Array args, wamp::Object kwargs) {
  auto p = std::make_shared<wamp::Payload>();
  if (!args.empty() || !kwargs.empty())
    wamp::codec_for(wamp::Serializer::json)->encode_value(args, p->args);
  if (!kwargs.empty()) wamp::codec_for(wamp::Serializer::json)->encode_value(kwargs, p->kwargs);
  raw_ = std::move(p);
  args_ = std::move(args);
  kwargs_ = std::move(kwargs);
}

const wamp::Array& Payload::args() const {
  if (!args_) {
    args_.emplace();
    if (raw_ && !raw_->args.empty()) {
      const wamp::Codec* codec = wamp::codec_for(raw_->format);
      auto decoded = codec ? codec->decode_value(raw_->args)
                           : std::variant<wamp::Value, wamp::DecodeError>(wamp::DecodeError{});
      auto* value = std::get_if<wamp::Value>(&decoded);
      if (value == nullptr || !value->is_array()) {
        args_.reset();
        throw Error(std::string(errors::protocol_violation), {"undecodable Arguments"});
      }
      *args_ = std::move(*value->as_array());
    }
  }
  return *args_;
}

const wamp::Object& Payload::kwargs() const {
  if (!kwargs_) {
    kwargs_.emplace();
    if (raw_ && !raw_->kwargs.empty()) {
      const wamp::Codec* codec = wamp::codec_for(raw_->format);
      auto decoded = codec ? codec->decode_value(raw_->kwargs)
                           : std::variant<wamp::Value, wamp::DecodeError>(wamp::DecodeError{});
      auto* value = std::get_if<wamp::Value>(&decoded);
      if (value == nullptr || !value->is_object()) {
        kwargs_.reset();
        throw Error(std::string(errors::protocol_violation), {"undecodable ArgumentsKw"});
      }
      *kwargs_ = std::move(*value->as_object());
    }
  }
  return *kwargs_;
}

const wamp::Value& Payload::arg(std::size_t i) const {
  static const wamp::Value null;
  const auto& a = args();
  return i < a.size() ? a[i] : null;
}

std::optional<wamp::Id> Event::publisher() const {
  return wamp::get_uint(details, "publisher");
}

std::optional<wamp::Id> Invocation::caller() const {
  return wamp::get_uint(details_, "caller");
}

std::string_view cancel_mode_name(CancelMode mode) {
  switch (mode) {
    case CancelMode::skip:
      return "skip";
    case CancelMode::kill:
      return "kill";
    case CancelMode::killnowait:
      break;
  }
  return "killnowait";
}

void Invocation::progress(wamp::Array args, wamp::Object kwargs) const {
  auto session = session_.lock();
  if (!session) return;
  progress_raw(session->make_payload(args, kwargs));
}

void Invocation::progress_raw(wamp::PayloadPtr payload) const {
  auto session = session_.lock();
  if (!session || !progressive_ || *interrupted_ || !session->is_joined()) return;
  Message m;
  m.type = MessageType::yield;
  m.request = request_;
  m.options.emplace("progress", true);
  m.payload = std::move(payload);
  session->send(m);
}

// ---------------------------------------------------------------------------------------------
// Connecting and joining

Session::Session(asio::any_io_executor executor, std::shared_ptr<Transport> transport)
    : executor_(std::move(executor)), transport_(std::move(transport)) {}

Session::~Session() {
  if (transport_ && transport_->is_open()) transport_->close();
}

asio::awaitable<std::shared_ptr<Session>> Session::connect_impl(asio::any_io_executor executor,
                                                                std::string url, std::string realm,
                                                                ConnectOptions options) {
  TransportOptions topts;
  topts.serializer = options.serializer;
  topts.max_message_size = options.max_message_size;
  topts.timeout = options.timeout;
  topts.tls = options.tls;
  auto transport = co_await connect_transport(executor, url, topts);
  co_return co_await join_impl(executor, std::move(transport), std::move(realm),
                               std::move(options));
}

asio::awaitable<std::shared_ptr<Session>> Session::join_impl(asio::any_io_executor executor,
                                                             std::shared_ptr<Transport> transport,
                                                             std::string realm,
                                                             ConnectOptions options) {
  // Unusable credentials fail here, inside the coroutine (its caller gets the client::Error).
  auto auth = std::make_unique<detail::Authentication>(options, transport->tls_channel_id());
  std::shared_ptr<Session> session(new Session(executor, std::move(transport)));
  session->auth_ = std::move(auth);
  session->transport_->start(session);
  asio::steady_timer deadline(executor, options.timeout);
  deadline.async_wait([weak = std::weak_ptr<Session>(session)](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->state_ != State::joining) return;
    if (auto done = std::move(self->join_done_)) {
      self->state_ = State::closed;
      self->transport_->close();
      done(make_error(errors::disconnected, "no WELCOME from the router in time"));
    }
  });
  co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
      [&](auto handler) {
        session->start_join(std::move(realm), options, VoidCompletion(std::move(handler)));
      },
      asio::use_awaitable);
  deadline.cancel();
  co_return session;
}

void Session::start_join(std::string realm, const ConnectOptions& options, VoidCompletion done) {
  realm_ = std::move(realm);
  join_done_ = std::move(done);
  Message hello;
  hello.type = MessageType::hello;
  hello.uri = realm_;
  hello.options = options.hello_extra;
  hello.options["roles"] = hello_roles();
  if (!options.authid.empty()) hello.options["authid"] = options.authid;
  if (!options.authmethods.empty())
    hello.options["authmethods"] = string_array(options.authmethods);
  if (!auth_->hello_authextra().empty()) hello.options["authextra"] = auth_->hello_authextra();
  hello.options["agent"] = "junction-client";
  send(hello);
}

bool Session::router_has_feature(std::string_view role, std::string_view feature) const {
  const wamp::Object* roles = wamp::get_object(welcome_details_, "roles");
  const wamp::Object* r = roles ? wamp::get_object(*roles, role) : nullptr;
  const wamp::Object* f = r ? wamp::get_object(*r, "features") : nullptr;
  return f && wamp::get_bool(*f, feature).value_or(false);
}

wamp::PayloadPtr Session::make_payload(const wamp::Array& args, const wamp::Object& kwargs) const {
  if (args.empty() && kwargs.empty()) return nullptr;
  const wamp::Codec& c = transport_->codec();
  auto p = std::make_shared<wamp::Payload>();
  p->format = c.serializer();
  c.encode_value(args, p->args);
  if (!kwargs.empty()) c.encode_value(kwargs, p->kwargs);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Helpers

wamp::Id Session::next_request() {
  last_request_ = last_request_ >= wamp::kMaxId ? 1 : last_request_ + 1;
  return last_request_;
}

void Session::send(const Message& message) {
  scratch_.clear();
  transport_->codec().encode(message, scratch_);
  transport_->send(scratch_);
}

template <typename T>
void Session::post_result(Completion<T> done, std::exception_ptr error, T value) {
  asio::post(executor_, [done = std::move(done), error, value = std::move(value)]() mutable {
    done(error, std::move(value));
  });
}

void Session::post_error(VoidCompletion done, std::exception_ptr error) {
  asio::post(executor_, [done = std::move(done), error]() mutable { done(error); });
}

std::exception_ptr Session::not_joined_error() const {
  return make_error(errors::not_joined, state_ == State::joining ? "the session has not joined yet"
                                                                 : "the session is closed");
}

// ---------------------------------------------------------------------------------------------
// Caller

wamp::Id Session::start_call(const std::string& procedure, wamp::PayloadPtr payload,
                             CallOptions options, Completion<Result> done) {
  if (state_ != State::established) {
    post_result(std::move(done), not_joined_error(), Result{});
    return 0;
  }
  const wamp::Id request = next_request();
  Message m;
  m.type = MessageType::call;
  m.request = request;
  m.uri = procedure;
  m.payload = std::move(payload);
  if (!options.extra.empty()) m.options = std::move(options.extra);
  if (options.on_progress) m.options.emplace("receive_progress", true);
  if (options.disclose_me) m.options.emplace("disclose_me", true);
  if (options.timeout && router_has_feature("dealer", "call_timeout"))
    m.options.emplace("timeout", static_cast<std::int64_t>(options.timeout->count()));
  PendingCall& call = calls_[request];
  call.done = std::move(done);
  call.on_progress = std::move(options.on_progress);
  call.cancel_mode = options.cancel_mode;
  if (options.timeout) {
    call.timer = std::make_unique<asio::steady_timer>(executor_, *options.timeout);
    call.timer->async_wait([weak = weak_from_this(), request](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      auto it = self->calls_.find(request);
      if (it == self->calls_.end()) return;
      auto pending = std::move(it->second);
      self->calls_.erase(it);
      if (self->state_ == State::established) {
        Message cancel;
        cancel.type = MessageType::cancel;
        cancel.request = request;
        cancel.options.emplace("mode", std::string(cancel_mode_name(CancelMode::killnowait)));
        self->send(cancel);
      }
      pending.done(make_error(errors::timeout, "the call did not complete in time"), Result{});
    });
  }
  send(m);
  return request;
}

void Session::cancel_call(wamp::Id request, std::optional<CancelMode> mode) {
  auto it = calls_.find(request);
  if (it == calls_.end() || state_ != State::established) return;
  const CancelMode m = mode.value_or(it->second.cancel_mode);
  Message cancel;
  cancel.type = MessageType::cancel;
  cancel.request = request;
  cancel.options.emplace("mode", std::string(cancel_mode_name(m)));
  send(cancel);
  // The router answers with ERROR wamp.error.canceled (for kill: once the callee has answered);
  // that completes the call.
}

void Session::handle_result(Message& message) {
  auto it = calls_.find(message.request);
  if (it == calls_.end()) return;  // cancelled or timed out: late answers are dropped
  Result result(std::move(message.payload));
  result.details = std::move(message.options);
  if (wamp::get_bool(result.details, "progress").value_or(false)) {
    if (it->second.on_progress) it->second.on_progress(result);
    return;
  }
  auto done = std::move(it->second.done);
  calls_.erase(it);
  done(nullptr, std::move(result));
}

// ---------------------------------------------------------------------------------------------
// Callee

void Session::start_register(std::string procedure, CallHandler handler,
                             AsyncCallHandler async_handler, RegisterOptions options,
                             Completion<Registration> done) {
  if (state_ != State::established) {
    post_result(std::move(done), not_joined_error(), Registration{});
    return;
  }
  const wamp::Id request = next_request();
  Message m;
  m.type = MessageType::reg;
  m.request = request;
  m.uri = procedure;
  m.options = std::move(options.extra);
  if (!options.match.empty()) m.options["match"] = options.match;
  if (!options.invoke.empty()) m.options["invoke"] = options.invoke;
  if (options.disclose_caller) m.options["disclose_caller"] = true;
  registering_.emplace(request, PendingRegister{std::move(procedure), std::move(handler),
                                                std::move(async_handler), std::move(done)});
  send(m);
}

void Session::start_unregister(const Registration& registration, VoidCompletion done) {
  if (state_ != State::established) {
    post_error(std::move(done), not_joined_error());
    return;
  }
  registrations_.erase(registration.id);  // no new invocations from now on
  const wamp::Id request = next_request();
  Message m;
  m.type = MessageType::unregister;
  m.request = request;
  m.id = registration.id;
  unregistering_.emplace(request, std::move(done));
  send(m);
}

void Session::handle_invocation(Message& message) {
  auto it = registrations_.find(message.id);
  if (it == registrations_.end()) {
    Message err = wamp::make_error(
        MessageType::invocation, message.request, "wamp.error.no_such_registration",
        wamp::make_payload({wamp::Value("no such registration in this client")}));
    send(err);
    return;
  }
  Invocation inv;
  static_cast<Payload&>(inv) = Payload(std::move(message.payload));
  inv.session_ = weak_from_this();
  inv.request_ = message.request;
  inv.registration_ = message.id;
  inv.procedure_ = it->second.procedure;
  inv.details_ = std::move(message.options);
  inv.progressive_ = wamp::get_bool(inv.details_, "receive_progress").value_or(false);

  if (it->second.handler) {
    CallHandler& handler = it->second.handler;
    try {
      Result result = handler(inv);
      yield_result(inv.request_, result);
    } catch (...) {
      yield_error(inv.request_, std::current_exception());
    }
    return;
  }
  // Coroutine handler: runs on its own; INTERRUPT emits its cancellation signal.
  const wamp::Id request = inv.request_;
  auto signal = std::make_shared<asio::cancellation_signal>();
  invocations_[request] = RunningInvocation{inv.interrupted_, signal};
  auto interrupted = inv.interrupted_;
  asio::co_spawn(executor_, it->second.async_handler(std::move(inv)),
                 asio::bind_cancellation_slot(
                     signal->slot(), [weak = weak_from_this(), request, signal, interrupted](
                                         std::exception_ptr error, Result result) {
                       auto self = weak.lock();
                       if (!self) return;
                       self->invocations_.erase(request);
                       if (self->state_ != State::established) return;
                       if (error) {
                         if (*interrupted) {
                           self->yield_error(request, std::make_exception_ptr(
                                                          Error(std::string(wamp::errors::canceled),
                                                                {"the call was cancelled"})));
                         } else {
                           self->yield_error(request, error);
                         }
                       } else {
                         self->yield_result(request, result);
                       }
                       // `signal` is released after this handler returns (its own capture keeps
                       // it).
                     }));
}

void Session::handle_interrupt(Message& message) {
  auto it = invocations_.find(message.request);
  if (it == invocations_.end()) return;  // a synchronous handler already answered
  *it->second.interrupted = true;
  auto signal = it->second.signal;
  signal->emit(asio::cancellation_type::terminal);
}

void Session::yield_result(wamp::Id request, const Result& result) {
  if (state_ != State::established) return;
  Message m;
  m.type = MessageType::yield;
  m.request = request;
  m.payload = result.raw();
  send(m);
}

void Session::yield_error(wamp::Id request, std::exception_ptr error) {
  if (state_ != State::established) return;
  std::string uri;
  wamp::PayloadPtr payload;
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    uri = e.uri();
    payload = make_payload(e.args(), e.kwargs());
  } catch (const std::exception& e) {
    uri = std::string(errors::runtime_error);
    payload = make_payload({wamp::Value(e.what())});
  } catch (...) {
    uri = std::string(errors::runtime_error);
    payload = make_payload({wamp::Value("unknown exception")});
  }
  send(wamp::make_error(MessageType::invocation, request, std::move(uri), std::move(payload)));
}

// ---------------------------------------------------------------------------------------------
// Publisher

namespace {

void fill_publish_options(const PublishOptions& options, wamp::Object& out) {
  if (!options.extra.empty()) out = options.extra;
  if (options.acknowledge) out["acknowledge"] = true;
  if (options.exclude_me) out["exclude_me"] = *options.exclude_me;
  if (options.disclose_me) out["disclose_me"] = true;
  if (!options.exclude.empty()) out["exclude"] = id_array(options.exclude);
  if (!options.eligible.empty()) out["eligible"] = id_array(options.eligible);
  if (!options.exclude_authid.empty()) out["exclude_authid"] = string_array(options.exclude_authid);
  if (!options.eligible_authid.empty())
    out["eligible_authid"] = string_array(options.eligible_authid);
  if (!options.exclude_authrole.empty())
    out["exclude_authrole"] = string_array(options.exclude_authrole);
  if (!options.eligible_authrole.empty())
    out["eligible_authrole"] = string_array(options.eligible_authrole);
}

}  // namespace

void Session::start_publish(const std::string& topic, wamp::PayloadPtr payload,
                            const PublishOptions& options, Completion<wamp::Id> done) {
  if (state_ != State::established) {
    post_result(std::move(done), not_joined_error(), wamp::Id{0});
    return;
  }
  const wamp::Id request = next_request();
  Message m;
  m.type = MessageType::publish;
  m.request = request;
  m.uri = topic;
  m.payload = std::move(payload);
  fill_publish_options(options, m.options);
  if (options.acknowledge) {
    publishing_.emplace(request, std::move(done));
    send(m);
  } else {
    send(m);
    post_result(std::move(done), nullptr, wamp::Id{0});
  }
}

bool Session::publish_nowait(std::string_view topic, const wamp::PayloadPtr& payload,
                             const PublishOptions& options) {
  if (state_ != State::established) return false;
  Message m;
  m.type = MessageType::publish;
  m.request = next_request();
  m.uri = topic;
  m.payload = payload;
  fill_publish_options(options, m.options);
  m.options.erase("acknowledge");
  send(m);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Subscriber

void Session::start_subscribe(std::string topic, EventHandler handler, SubscribeOptions options,
                              Completion<Subscription> done) {
  if (state_ != State::established) {
    post_result(std::move(done), not_joined_error(), Subscription{});
    return;
  }
  const wamp::Id request = next_request();
  Message m;
  m.type = MessageType::subscribe;
  m.request = request;
  m.uri = topic;
  m.options = std::move(options.extra);
  if (!options.match.empty()) m.options["match"] = options.match;
  subscribing_.emplace(request,
                       PendingSubscribe{std::move(topic), std::move(handler), std::move(done)});
  send(m);
}

void Session::start_unsubscribe(const Subscription& subscription, VoidCompletion done) {
  if (state_ != State::established) {
    post_error(std::move(done), not_joined_error());
    return;
  }
  auto it = subscriptions_.find(subscription.id);
  if (it != subscriptions_.end()) {
    auto& handlers = it->second.handlers;
    std::erase_if(handlers, [&](const auto& h) { return h.first == subscription.handler; });
    if (!handlers.empty()) {  // other local handlers still use the router's subscription
      post_error(std::move(done), nullptr);
      return;
    }
    subscriptions_.erase(it);
  }
  const wamp::Id request = next_request();
  Message m;
  m.type = MessageType::unsubscribe;
  m.request = request;
  m.id = subscription.id;
  unsubscribing_.emplace(request, std::move(done));
  send(m);
}

void Session::handle_event(Message& message) {
  auto it = subscriptions_.find(message.id);
  if (it == subscriptions_.end()) return;  // unsubscribed meanwhile
  Event event;
  static_cast<Payload&>(event) = Payload(std::move(message.payload));
  event.subscription = message.id;
  event.publication = message.id2;
  event.details = std::move(message.options);
  event.topic = it->second.topic;
  // A handler may unsubscribe (itself or others): look the list up again after each call.
  for (std::size_t i = 0;; ++i) {
    it = subscriptions_.find(message.id);
    if (it == subscriptions_.end() || i >= it->second.handlers.size()) break;
    try {
      it->second.handlers[i].second(event);
    } catch (const std::exception& e) {
      JLOG(warn, "client") << "event handler for " << event.topic << " threw: " << e.what();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Leaving and closing

void Session::start_leave(std::string reason, Completion<std::string> done) {
  if (state_ != State::established) {
    post_result(std::move(done), not_joined_error(), std::string{});
    return;
  }
  state_ = State::closing;
  leave_done_ = std::move(done);
  send(wamp::make_goodbye(std::move(reason)));
}

void Session::close() {
  if (transport_->is_open()) transport_->close();
}

void Session::handle_goodbye(Message& message) {
  if (state_ == State::closing) {
    state_ = State::closed;
    auto done = std::move(leave_done_);
    transport_->close();
    fail_everything("the session left the realm");
    if (done) done(nullptr, message.uri);
    return;
  }
  // The router ends the session (e.g. system_shutdown): answer, then close.
  send(wamp::make_goodbye(std::string(wamp::errors::goodbye_and_out)));
  state_ = State::closed;
  transport_->close();
  fail_everything("the router closed the session: " + message.uri);
  if (on_close_ && !closed_notified_) {
    closed_notified_ = true;
    on_close_(message.uri);
  }
}

void Session::handle_abort(Message& message) {
  const State was = state_;
  state_ = State::closed;
  transport_->close();
  if (was == State::joining) {
    if (auto done = std::move(join_done_)) done(std::make_exception_ptr(error_from(message)));
    return;
  }
  fail_everything("the router aborted the session: " + message.uri);
  if (on_close_ && !closed_notified_) {
    closed_notified_ = true;
    on_close_(message.uri);
  }
}

void Session::on_close(std::string reason) {
  const State was = state_;
  state_ = State::closed;
  if (was == State::joining) {
    if (auto done = std::move(join_done_))
      done(make_error(errors::disconnected, "transport closed before WELCOME: " + reason));
    return;
  }
  if (was == State::closing) {
    if (auto done = std::move(leave_done_)) done(nullptr, std::string("transport closed"));
  }
  fail_everything(reason);
  if (on_close_ && !closed_notified_) {
    closed_notified_ = true;
    on_close_(reason);
  }
}

void Session::fail_everything(const std::string& reason) {
  auto error = make_error(errors::disconnected, reason);
  auto calls = std::move(calls_);
  auto subscribing = std::move(subscribing_);
  auto unsubscribing = std::move(unsubscribing_);
  auto registering = std::move(registering_);
  auto unregistering = std::move(unregistering_);
  auto publishing = std::move(publishing_);
  calls_.clear();
  subscribing_.clear();
  unsubscribing_.clear();
  registering_.clear();
  unregistering_.clear();
  publishing_.clear();
  subscriptions_.clear();
  registrations_.clear();
  for (auto& [id, inv] : invocations_)
    inv.signal->emit(asio::cancellation_type::terminal);
  for (auto& [id, c] : calls)
    c.done(error, Result{});
  for (auto& [id, s] : subscribing)
    s.done(error, Subscription{});
  for (auto& [id, d] : unsubscribing)
    d(error);
  for (auto& [id, r] : registering)
    r.done(error, Registration{});
  for (auto& [id, d] : unregistering)
    d(error);
  for (auto& [id, d] : publishing)
    d(error, wamp::Id{0});
}

void Session::protocol_violation(std::string why) {
  JLOG(warn, "client") << "protocol violation by the router: " << why;
  if (state_ == State::established || state_ == State::closing) {
    send(wamp::make_abort(std::string(wamp::errors::protocol_violation), why));
  }
  const State was = state_;
  state_ = State::closed;
  transport_->close();
  if (was == State::joining) {
    if (auto done = std::move(join_done_)) done(make_error(errors::protocol_violation, why));
    return;
  }
  fail_everything("protocol violation by the router: " + why);
  if (on_close_ && !closed_notified_) {
    closed_notified_ = true;
    on_close_(std::string(errors::protocol_violation));
  }
}

// ---------------------------------------------------------------------------------------------
// Dispatch

void Session::handle_challenge(Message& message) {
  if (state_ != State::joining || !auth_ || deriving_key_) {
    protocol_violation("CHALLENGE outside of joining");
    return;
  }
  detail::Authentication::Answer answer;
  std::string signature;
  try {
    answer = auth_->answer(message.uri, message.options);
    if (!answer.heavy) signature = answer.derive();  // cheap (or the user's on_challenge)
  } catch (...) {
    fail_authentication(std::current_exception());
    return;
  }
  if (!answer.heavy) {
    send_authenticate(signature);
    return;
  }
  // PBKDF2 / Argon2id: off this thread, which may be serving other sessions.
  deriving_key_ = true;
  detail::run_key_derivation(
      executor_, std::move(answer.derive),
      [weak = weak_from_this()](std::exception_ptr error, std::string signature) {
        auto self = weak.lock();
        if (!self) return;
        self->deriving_key_ = false;
        if (self->state_ != State::joining) return;  // timed out or closed meanwhile
        if (error) return self->fail_authentication(error);
        self->send_authenticate(signature);
      });
}

void Session::send_authenticate(const std::string& signature) {
  Message m;
  m.type = MessageType::authenticate;
  m.uri = signature;
  send(m);
}

void Session::fail_authentication(std::exception_ptr error) {
  Error failure(std::string(errors::cannot_authenticate));
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    failure = e;
  } catch (const std::exception& e) {
    failure = Error(std::string(errors::cannot_authenticate), wamp::Array{wamp::Value(e.what())});
  } catch (...) {
  }
  if (transport_->is_open()) {
    const std::string* why = failure.args().empty() ? nullptr : failure.args()[0].as_string();
    send(wamp::make_abort(failure.uri(), why ? *why : std::string()));
  }
  state_ = State::closed;
  transport_->close();
  auth_.reset();
  if (auto done = std::move(join_done_)) done(std::make_exception_ptr(std::move(failure)));
}

void Session::handle_welcome(Message& message) {
  if (state_ != State::joining || deriving_key_) {
    protocol_violation("WELCOME outside of joining");
    return;
  }
  if (auth_) {
    try {
      auth_->check_welcome(message.options);
    } catch (...) {
      fail_authentication(std::current_exception());
      return;
    }
    auth_.reset();
  }
  id_ = message.id;
  welcome_details_ = std::move(message.options);
  state_ = State::established;
  if (auto done = std::move(join_done_)) done(nullptr);
}

void Session::handle_error(Message& message) {
  auto fail = [&](auto& table, auto&&... empty) {
    auto it = table.find(message.request);
    if (it == table.end()) return;
    auto entry = std::move(it->second);
    table.erase(it);
    auto error = std::make_exception_ptr(error_from(message));
    if constexpr (requires { entry.done; }) {
      entry.done(error, empty...);
    } else {
      entry(error, empty...);
    }
  };
  switch (message.error_type) {
    case MessageType::call:
      fail(calls_, Result{});
      break;
    case MessageType::subscribe:
      fail(subscribing_, Subscription{});
      break;
    case MessageType::unsubscribe:
      fail(unsubscribing_);
      break;
    case MessageType::reg:
      fail(registering_, Registration{});
      break;
    case MessageType::unregister:
      fail(unregistering_);
      break;
    case MessageType::publish:
      fail(publishing_, wamp::Id{0});
      break;
    default:
      protocol_violation("ERROR for a " + std::string(wamp::message_name(message.error_type)));
  }
}

void Session::on_message(std::string_view bytes) {
  auto self = shared_from_this();  // a handler may drop the last reference
  if (state_ == State::closed) return;
  auto decoded = transport_->codec().decode(bytes);
  if (auto* err = std::get_if<wamp::DecodeError>(&decoded)) {
    protocol_violation(err->reason);
    return;
  }
  Message& message = std::get<Message>(decoded);
  if (state_ == State::joining && message.type != MessageType::welcome &&
      message.type != MessageType::abort && message.type != MessageType::challenge) {
    protocol_violation(std::string(wamp::message_name(message.type)) + " before WELCOME");
    return;
  }
  switch (message.type) {
    case MessageType::welcome:
      handle_welcome(message);
      break;
    case MessageType::challenge:
      handle_challenge(message);
      break;
    case MessageType::abort:
      handle_abort(message);
      break;
    case MessageType::goodbye:
      handle_goodbye(message);
      break;
    case MessageType::error:
      handle_error(message);
      break;
    case MessageType::result:
      handle_result(message);
      break;
    case MessageType::event:
      handle_event(message);
      break;
    case MessageType::invocation:
      handle_invocation(message);
      break;
    case MessageType::interrupt:
      handle_interrupt(message);
      break;
    case MessageType::published: {
      auto it = publishing_.find(message.request);
      if (it == publishing_.end()) break;
      auto done = std::move(it->second);
      publishing_.erase(it);
      done(nullptr, message.id);
      break;
    }
    case MessageType::subscribed: {
      auto it = subscribing_.find(message.request);
      if (it == subscribing_.end()) break;
      auto pending = std::move(it->second);
      subscribing_.erase(it);
      auto& state = subscriptions_[message.id];
      state.topic = pending.topic;
      const std::uint64_t handler_id = ++next_handler_;
      state.handlers.emplace_back(handler_id, std::move(pending.handler));
      pending.done(nullptr, Subscription{message.id, handler_id, std::move(pending.topic)});
      break;
    }
    case MessageType::unsubscribed: {
      auto it = unsubscribing_.find(message.request);
      if (it == unsubscribing_.end()) break;
      auto done = std::move(it->second);
      unsubscribing_.erase(it);
      done(nullptr);
      break;
    }
    case MessageType::registered: {
      auto it = registering_.find(message.request);
      if (it == registering_.end()) break;
      auto pending = std::move(it->second);
      registering_.erase(it);
      auto procedure = std::make_shared<const std::string>(pending.procedure);
      registrations_[message.id] = RegistrationState{procedure, std::move(pending.handler),
                                                     std::move(pending.async_handler)};
      pending.done(nullptr, Registration{message.id, std::move(pending.procedure)});
      break;
    }
    case MessageType::unregistered: {
      auto it = unregistering_.find(message.request);
      if (it == unregistering_.end()) break;
      auto done = std::move(it->second);
      unregistering_.erase(it);
      done(nullptr);
      break;
    }
    default:
      protocol_violation("unexpected " + std::string(wamp::message_name(message.type)) +
                         " from the router");
  }
}

}  // namespace junction::client
