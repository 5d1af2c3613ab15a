// client/transport: opening a transport by URL scheme, and serializer names.
#include "client/transport.hpp"

#include <boost/asio/use_awaitable.hpp>

#include "client/error.hpp"
#include "client/rawsocket_transport.hpp"
#include "client/url.hpp"
#include "client/websocket_transport.hpp"

namespace junction::client {

const wamp::Codec* codec_by_name(std::string_view name) {
  for (auto s : {wamp::Serializer::json, wamp::Serializer::msgpack, wamp::Serializer::cbor,
                 wamp::Serializer::ubjson}) {
    if (serializer_name(s) == name) return wamp::codec_for(s);
  }
  return nullptr;
}

std::string_view serializer_name(wamp::Serializer serializer) {
  switch (serializer) {
    case wamp::Serializer::json:
      return "json";
    case wamp::Serializer::msgpack:
      return "msgpack";
    case wamp::Serializer::cbor:
      return "cbor";
    case wamp::Serializer::ubjson:
      return "ubjson";
  }
  return "?";
}

boost::asio::awaitable<std::vector<boost::asio::ip::tcp::endpoint>> resolve_tcp(
    boost::asio::any_io_executor executor, const std::string& host, const std::string& port) {
  using boost::asio::ip::tcp;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  const bool numeric_port = !port.empty() && port.size() <= 5 &&
                            port.find_first_not_of("0123456789") == std::string::npos;
  if (!ec && numeric_port && std::stoul(port) <= 65535) {
    co_return std::vector<tcp::endpoint>{
        tcp::endpoint(address, static_cast<unsigned short>(std::stoul(port)))};
  }
  tcp::resolver resolver(executor);
  const auto results = co_await resolver.async_resolve(host, port, boost::asio::use_awaitable);
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : results)
    endpoints.push_back(entry.endpoint());
  co_return endpoints;
}

boost::asio::awaitable<std::shared_ptr<Transport>> connect_transport(
    boost::asio::any_io_executor executor, std::string_view url, const TransportOptions& options) {
  const auto parsed = parse_url(url);
  if (!parsed) {
    throw Error(std::string(errors::disconnected),
                {"not a router URL: " + std::string(url) +
                 " (expected ws://host[:port][/path], wss://host[:port][/path], rs://host:port, "
                 "rss://host:port, tcp://host:port or unix:///path/to/socket)"});
  }
  const wamp::Codec* codec = wamp::codec_for(options.serializer);
  if (codec == nullptr) {
    throw Error(std::string(errors::disconnected),
                {"serializer not available: " + std::string(serializer_name(options.serializer))});
  }
  // WebSocketTransport::connect and RawSocketTransport::connect go over TLS for wss:// / rss://.
  if (parsed->scheme == "ws" || parsed->scheme == "wss") {
    co_return co_await WebSocketTransport::connect(executor, *parsed, *codec, options,
                                                   options.timeout);
  }
  if (parsed->rawsocket()) {
    co_return co_await RawSocketTransport::connect(executor, *parsed, *codec, options);
  }
  throw Error(std::string(errors::disconnected),
              {"unsupported URL scheme '" + parsed->scheme +
               "' (ws://, wss://, rs://, rss://, tcp://, unix:// and rs+unix:// are supported)"});
}

}  // namespace junction::client
