#include "creditmeter/client.hpp"

#include "client_core.hpp"
#include "session_impl.hpp"

namespace creditmeter {

Client::Client(ClientOptions options) : core_(detail::ClientCore::create(std::move(options))) {}

Client::Client(std::shared_ptr<detail::ClientCore> core) : core_(std::move(core)) {}

Client::~Client() {
  if (core_) core_->shutdown();
}

std::unique_ptr<Session> Client::start_session(SessionOptions options) {
  return detail::Access::make_session(core_->start_session(std::move(options)));
}

bool Client::flush(std::chrono::milliseconds timeout) { return core_->flush(timeout); }

CreditSummary Client::credit_summary() { return core_->credit_summary(); }

std::int64_t Client::estimate(const std::string& model, const std::string& surface) {
  return core_->estimate(model, surface);
}

ClientUsage Client::usage() const { return core_->usage(); }

void Client::set_max_credits(std::optional<double> max_credits) { core_->set_max_credits(max_credits); }

namespace detail {

std::unique_ptr<Session> Access::make_session(std::shared_ptr<SessionImpl> impl) {
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

std::unique_ptr<Client> Access::make_client(std::shared_ptr<ClientCore> core) {
  return std::unique_ptr<Client>(new Client(std::move(core)));
}

}  // namespace detail
}  // namespace creditmeter
