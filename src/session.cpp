#include "creditmeter/session.hpp"

#include "creditmeter/errors.hpp"
#include "session_impl.hpp"

namespace creditmeter {

Session::Session(std::shared_ptr<detail::SessionImpl> impl) : impl_(std::move(impl)), meter_(&impl_->meter) {}

Session::~Session() {
  if (impl_->in_forked_child()) return;  // leak rather than lock what another process holds
  impl_->stop();
  impl_->detach_callbacks();
}

std::string Session::id() const { return impl_->id(); }
// Every call that may lock checks for an inherited session in a fork()ed child first: a clear
// error there, never a hang on a lock held by a thread that does not exist in the child.
void Session::pause() {
  impl_->check_usable();
  impl_->pause();
}
void Session::resume() {
  impl_->check_usable();
  impl_->resume();
}
void Session::stop() {
  impl_->check_usable();
  impl_->stop();
}
std::string Session::record(const std::string& action, double quantity) {
  return impl_->record(action, quantity);  // checks fork(), state and input
}
SessionState Session::state() const {
  impl_->check_usable();
  return impl_->state();
}
Reason Session::reason() const {
  impl_->check_usable();
  return impl_->reason();
}
SessionStats Session::stats() const {
  impl_->check_usable();
  return impl_->stats();
}
void Session::on_state_change(StateChangeCallback callback) { impl_->set_callback(std::move(callback)); }
void Session::on_balance(BalanceCallback callback) { impl_->set_balance_callback(std::move(callback), false); }
void Session::on_low_balance(BalanceCallback callback) { impl_->set_balance_callback(std::move(callback), true); }
void Session::on_event_rejected(EventRejectedCallback callback) {
  impl_->set_event_rejected_callback(std::move(callback));
}
void Session::set_max_credits(std::optional<double> max_credits) {
  impl_->set_max_credits(max_credits);  // validates
}

}  // namespace creditmeter
