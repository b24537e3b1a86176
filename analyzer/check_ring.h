// A bounded FIFO that reuses its slots: the checker's per-file window of
// recent conflicting operations.  std::deque allocates a block for every
// element once elements are larger than a few hundred bytes (ours are), and
// a window that pushes one and drops one per operation then costs a malloc
// and a free each time.  Storage grows to N on demand (files touched once
// stay small) and is then overwritten oldest-first.
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

namespace aa {

template <class T, size_t N>
class Ring {
 public:
  // Appends; when full, the oldest element is dropped (overwritten).
  void push_back(T v) {
    if (n_ == buf_.size() && buf_.size() < N && head_ == 0) {
      buf_.push_back(std::move(v));
      ++n_;
    } else if (n_ == buf_.size()) {
      buf_[head_] = std::move(v);
      head_ = (head_ + 1) % buf_.size();
    } else {
      buf_[(head_ + n_) % buf_.size()] = std::move(v);
      ++n_;
    }
  }
  void pop_front() {
    head_ = (head_ + 1) % buf_.size();
    --n_;
  }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }

  template <class R>
  class Iter {
   public:
    Iter(R* r, size_t i) : r_(r), i_(i) {}
    auto& operator*() const { return r_->buf_[(r_->head_ + i_) % r_->buf_.size()]; }
    Iter& operator++() { ++i_; return *this; }
    bool operator!=(const Iter& o) const { return i_ != o.i_; }
   private:
    R* r_;
    size_t i_;
  };
  Iter<Ring> begin() { return {this, 0}; }
  Iter<Ring> end() { return {this, n_}; }
  Iter<const Ring> begin() const { return {this, 0}; }
  Iter<const Ring> end() const { return {this, n_}; }

 private:
  std::vector<T> buf_;
  size_t head_ = 0, n_ = 0;
};

}  // namespace aa
