#include "creditmeter/client.hpp"

#include "client_impl.hpp"
#include "session_impl.hpp"

namespace creditmeter {

Client::Client(ClientOptions options) : impl_(detail::ClientImpl::create(std::move(options))) {}

Client::~Client() {
  if (impl_) impl_->shutdown();
}

void Client::close() { impl_->shutdown(); }

// The waiting calls hold the implementation for their length: ~Client on another thread
// interrupts them and waits for them only until its deadline.
std::unique_ptr<Session> Client::start_session(SessionOptions options) {
  return start_session(std::move(options), StopToken{});
}

std::unique_ptr<Session> Client::start_session(SessionOptions options, const StopToken& stop) {
  const std::shared_ptr<detail::ClientImpl> impl = impl_;
  return detail::Access::make_session(impl->start_session(std::move(options), stop));
}

bool Client::flush(std::chrono::milliseconds timeout) { return flush(timeout, StopToken{}); }

bool Client::flush(std::chrono::milliseconds timeout, const StopToken& stop) {
  const std::shared_ptr<detail::ClientImpl> impl = impl_;
  return impl->flush(timeout, stop);
}

CreditSummary Client::credit_summary() { return credit_summary(StopToken{}); }

CreditSummary Client::credit_summary(const StopToken& stop) {
  const std::shared_ptr<detail::ClientImpl> impl = impl_;
  return impl->credit_summary(stop);
}

std::int64_t Client::estimate(const std::string& model, const std::string& surface) {
  return estimate(model, surface, StopToken{});
}

std::int64_t Client::estimate(const std::string& model, const std::string& surface, const StopToken& stop) {
  const std::shared_ptr<detail::ClientImpl> impl = impl_;
  return impl->estimate(model, surface, stop);
}

ClientUsage Client::usage() const { return impl_->usage(); }

void Client::set_max_credits(std::optional<double> max_credits) { impl_->set_max_credits(max_credits); }

void Client::network_changed(bool reachable) { impl_->network_changed(reachable); }

}  // namespace creditmeter
