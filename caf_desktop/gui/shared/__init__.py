"""Windows and dialogs every other GUI room uses: the main window base, unlock and welcome, sharing, remembered sizes."""
