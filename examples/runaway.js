// Never returns: Warren stops it at its time limit with error.kind "timeout".
export default () => {
  for (;;) {}
};
