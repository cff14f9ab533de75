// Allocates without bound: Warren stops it at its memory limit with error.kind "memory".
export default () => {
  const hoard = [];
  for (;;) hoard.push(new Array(100000).fill('x'));
};
