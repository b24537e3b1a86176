/* placeholder until the shim lands */ int awaitaudit_placeholder;
