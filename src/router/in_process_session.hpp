// router/in_process_session: a WAMP session that lives inside the node. It joins a realm with
// its own authid/authrole (no HELLO, no authentication: the node vouches for it), and then
// registers, calls, subscribes and publishes like any client — through the same broker, dealer
// and authorizer — but without a socket or a serializer: the router hands it its Message
// objects, and only the payloads are decoded into values.
//
// The contract is a socket peer's: what the router sends it is handled after the router has
// finished the current dispatch (router/local_delivery.hpp), so a handler may call back into the
// router freely. Every answer is asynchronous (a callback). Used by the meta API (src/meta/),
// and meant for dynamic authenticators/authorizers, the HTTP bridge and testaments.
//
// Threading: like the Router, an InProcessSession belongs to the routing thread; code running
// elsewhere posts to it. It must not outlive its Router.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "router/local_delivery.hpp"
#include "router/router.hpp"
#include "wamp/value.hpp"

namespace junction::router {

class InProcessSession final : private Peer, private LocalDelivery::Receiver {
 public:
  // What the router answered: success (error empty) with the new id (REGISTERED, SUBSCRIBED,
  // PUBLISHED) or a RESULT's payload and details; or an ERROR's URI and payload.
  struct Answer {
    std::string error;  // empty: success
    wamp::Id id = 0;
    wamp::Array args;
    wamp::Object kwargs;
    wamp::Object details;
    bool ok() const { return error.empty(); }
  };
  using Callback = std::function<void(Answer)>;

  struct Event {
    wamp::Id subscription = 0;
    wamp::Id publication = 0;
    wamp::Array args;
    wamp::Object kwargs;
    wamp::Object details;      // EVENT.Details: publisher, topic (pattern subscriptions), ...
    wamp::PayloadPtr payload;  // args/kwargs as the publisher encoded them (shared, not copied)
  };
  using EventHandler = std::function<void(const Event&)>;

  struct Invocation {
    wamp::Id registration = 0;
    wamp::Array args;
    wamp::Object kwargs;
    wamp::Object details;  // INVOCATION.Details: caller, caller_authid, procedure, ...
  };
  // Answers one INVOCATION, now or later (keep it). Answering twice, or after the session has
  // left, does nothing. A Responder dropped without an answer answers nothing: the caller then
  // waits for its own timeout, as with a silent remote callee — so always answer.
  class Responder {
   public:
    void yield(wamp::Array args = {}, wamp::Object kwargs = {});
    void progress(wamp::Array args = {}, wamp::Object kwargs = {});  // progressive result
    void error(std::string uri, wamp::Array args = {}, wamp::Object kwargs = {});
    bool answered() const { return answered_; }

   private:
    friend class InProcessSession;
    void send(wamp::Message&& message, bool final);
    std::weak_ptr<InProcessSession*> session_;
    wamp::Id request_ = 0;
    bool answered_ = false;
  };
  using Procedure = std::function<void(const Invocation&, Responder)>;

  // Joins `realm` at once; throws std::invalid_argument if the router has no such realm.
  InProcessSession(Router& router, std::string_view realm, std::string authid,
                   std::string authrole);
  // Leaves the realm (as a lost transport does: registrations and subscriptions go away).
  ~InProcessSession() override;
  InProcessSession(const InProcessSession&) = delete;
  InProcessSession& operator=(const InProcessSession&) = delete;

  // The session id; 0 once the session has ended (left, killed, router shut down).
  wamp::Id id() const { return id_; }
  bool joined() const { return id_ != 0; }
  const std::string& authid() const { return authid_; }
  const std::string& authrole() const { return authrole_; }

  // REGISTER with `options` (match, invoke, ...); `done` gets the registration id or the error.
  void register_procedure(std::string procedure, Procedure handler, wamp::Object options = {},
                          Callback done = {});
  void unregister(wamp::Id registration, Callback done = {});
  void subscribe(std::string topic, EventHandler handler, wamp::Object options = {},
                 Callback done = {});
  void unsubscribe(wamp::Id subscription, Callback done = {});
  // PUBLISH; with `done` the publication is acknowledged (PUBLISHED or ERROR).
  void publish(std::string topic, wamp::Array args = {}, wamp::Object kwargs = {},
               wamp::Object options = {}, Callback done = {});
  // CALL; `done` gets the RESULT or ERROR (progressive results too when `options` asks for
  // receive_progress: Answer.details.progress is then true on all but the last).
  void call(std::string procedure, wamp::Array args, wamp::Object kwargs, wamp::Object options,
            Callback done);
  // PUBLISH and CALL with the arguments already encoded (null: none), for callers that read
  // them off the wire (the HTTP bridge splices a request body's JSON "args"/"kwargs" unchanged:
  // no Values in between). The payload must be well-formed in its format.
  void publish_payload(std::string topic, wamp::PayloadPtr payload, wamp::Object options,
                       Callback done = {});
  void call_payload(std::string procedure, wamp::PayloadPtr payload, wamp::Object options,
                    Callback done);
  // Ends the session (GOODBYE). Callbacks still waiting for an answer are dropped.
  void leave();

  // Called when the router ends the session (GOODBYE/ABORT it sent: kill, shutdown).
  void on_close(std::function<void()> handler) { on_close_ = std::move(handler); }

 private:
  enum class Pending { subscribe, unsubscribe, reg, unregister, publish, call };
  struct Request {
    Pending kind = Pending::call;
    Callback done = {};
    EventHandler event_handler = {};
    Procedure procedure = {};
    wamp::Id target = 0;  // unsubscribe/unregister: the id
  };

  // Peer
  void send(wamp::OutboundPtr message) override;
  void close() override {}
  std::string describe() const override { return "in-process " + authid_; }
  // LocalDelivery::Receiver
  void deliver(const wamp::OutboundPtr& message) override;

  wamp::Id submit(wamp::Message&& message, Request request);
  void to_router(wamp::Message&& message);
  void ended();

  Router& router_;
  LocalDelivery& delivery_;
  std::string authid_;
  std::string authrole_;
  std::unique_ptr<Connection> connection_;
  wamp::Id id_ = 0;
  wamp::Id last_request_ = 0;
  std::unordered_map<wamp::Id, Request> pending_;
  std::unordered_map<wamp::Id, EventHandler> subscriptions_;
  std::unordered_map<wamp::Id, Procedure> procedures_;
  std::function<void()> on_close_;
  // Responders hold a weak copy: they outlive the session safely.
  std::shared_ptr<InProcessSession*> self_;
};

}  // namespace junction::router
