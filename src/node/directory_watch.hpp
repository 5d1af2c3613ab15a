// node/directory_watch: tells once that something changed under a set of directories (Linux
// inotify, on the routing thread's io_context). For a guest worker's options.watch (Crossbar's
// "restart the guest when its files change"): every directory is watched with the directories
// below it (a directory created later is a change itself).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

namespace junction::node {

class DirectoryWatch {
 public:
  // `changed` runs once, with what changed ("<path>: created"), on the first change after
  // construction; then the watch is over. A directory that does not exist or cannot be watched
  // throws std::runtime_error naming it.
  DirectoryWatch(boost::asio::io_context& io, const std::vector<std::string>& directories,
                 std::function<void(std::string)> changed);
  ~DirectoryWatch();
  DirectoryWatch(const DirectoryWatch&) = delete;
  DirectoryWatch& operator=(const DirectoryWatch&) = delete;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace junction::node
