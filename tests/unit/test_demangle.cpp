// Demangling of real names: C++ from libstdc++, Rust legacy and v0 taken from
// a rustc 1.95 binary (`-g m.rs`: the user crate mangles legacy, the
// precompiled std v0) and from a tokio 1.24 build.
#include <doctest/doctest.h>

#include "symbolize.h"

TEST_CASE("C++ names demangle with parameters") {
  CHECK(aa::demangle("_ZNSt6vectorIiSaIiEE9push_backERKi") ==
        "std::vector<int, std::allocator<int> >::push_back(int const&)");
  CHECK(aa::demangle("_ZN7symtest16caller_of_calleeEv") == "symtest::caller_of_callee()");
}

TEST_CASE("Rust legacy names lose their hash") {
  CHECK(aa::demangle("_ZN1m15Widget$LT$T$GT$4poke17hcfbf5336a7ab1349E") == "m::Widget<T>::poke");
  CHECK(aa::demangle("_ZN76_$LT$tokio..fs..file..File$u20$as$u20$tokio..io..async_write..AsyncWrite$GT$"
                     "10poll_write17h237c3c1e88a64b53E") ==
        "<tokio::fs::file::File as tokio::io::async_write::AsyncWrite>::poll_write");
}

TEST_CASE("Rust v0 names") {
  CHECK(aa::demangle("_RNvMCskK7mfDs1mzF_1mINtB2_6WidgetINtNtCslNYArtu3iFV_5alloc3vec3VechEE4pokeB2_") ==
        "<m::Widget<alloc::vec::Vec<u8>>>::poke");
  CHECK(aa::demangle("_RNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal") == "std::rt::lang_start_internal");
  CHECK(aa::demangle("_RNCNCNCNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal00s_0B9_") ==
        "std::rt::lang_start_internal::{closure#0}::{closure#0}::{closure#1}");
}

TEST_CASE("plain and broken names come back unchanged") {
  CHECK(aa::demangle("main") == "main");
  CHECK(aa::demangle("") == "");
  CHECK(aa::demangle("_Z") == "_Z");
  CHECK(aa::demangle("_Zgarbage") == "_Zgarbage");
  CHECK(aa::demangle("_RNvXXXX") == "_RNvXXXX");
  CHECK(aa::demangle("PyLong_FromLong") == "PyLong_FromLong");
}
