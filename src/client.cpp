#include "creditmeter/client.hpp"

#include "client_impl.hpp"
#include "session_impl.hpp"

namespace creditmeter {

Client::Client(ClientOptions options) : impl_(detail::ClientImpl::create(std::move(options))) {}

Client::Client(std::shared_ptr<detail::ClientImpl> impl) : impl_(std::move(impl)) {}

Client::~Client() {
  if (impl_) impl_->shutdown();
}

std::unique_ptr<Session> Client::start_session(SessionOptions options) {
  return detail::Access::make_session(impl_->start_session(std::move(options)));
}

bool Client::flush(std::chrono::milliseconds timeout) { return impl_->flush(timeout); }

CreditSummary Client::credit_summary() { return impl_->credit_summary(); }

std::int64_t Client::estimate(const std::string& model, const std::string& surface) {
  return impl_->estimate(model, surface);
}

ClientUsage Client::usage() const { return impl_->usage(); }

void Client::set_max_credits(std::optional<double> max_credits) { impl_->set_max_credits(max_credits); }

void Client::network_changed(bool reachable) { impl_->network_changed(reachable); }

}  // namespace creditmeter
