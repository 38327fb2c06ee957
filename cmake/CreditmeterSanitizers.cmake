# Sanitizers are global for the build tree: every target (library, tests, tools) must be
# instrumented alike, or TSan reports false races across uninstrumented code.
if(CREDITMETER_ASAN)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(CREDITMETER_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
