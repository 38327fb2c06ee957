#include "creditmeter/session.hpp"

#include "session_impl.hpp"

namespace creditmeter {

Session::Session(std::shared_ptr<detail::SessionImpl> impl) : impl_(std::move(impl)), meter_(&impl_->meter) {}

Session::~Session() {
  impl_->stop();
  impl_->detach_callbacks();
}

std::string Session::id() const { return impl_->id(); }
void Session::pause() { impl_->pause(); }
void Session::resume() { impl_->resume(); }
void Session::stop() { impl_->stop(); }
SessionState Session::state() const { return impl_->state(); }
Reason Session::reason() const { return impl_->reason(); }
SessionStats Session::stats() const { return impl_->stats(); }
void Session::on_state_change(StateChangeCallback callback) { impl_->set_callback(std::move(callback)); }

}  // namespace creditmeter
