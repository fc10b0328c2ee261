/** One Redis command as name + arguments, so a batch can be grouped per slot or node before sending. */
export type RedisCommand = [name: string, ...args: (string | number)[]];
